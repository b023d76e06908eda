using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Callbacks;
using SmsFunctions.Storage.Messages;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>
/// The published OpenAPI documents (one per contract) describe what the endpoints send: live answers of every message
/// endpoint, successes and errors, validated against the schema the document gives for that path, method and status.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiConformanceTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task LiveAnswersOfTheGatewaySmsContractMatchItsDocument()
    {
        var schema = await DocumentAsync("v1");
        var customer = await app.CreateCustomerAsync(10m);
        var poor = await app.CreateCustomerAsync(0.01m);
        var checks = new List<string>();
        var at = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        var send = """{"sender":"alberto","body":"Ciao {{nome}}","recipients":[{"numero":"+39-3491234518","campi":{"nome":"Simone"}},"+39 12"],"timestamp_send":"""
            + at.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ""","callback":{"url":"https://www.mysite.com/myEndpoint","custom":{"a":1}}}""";

        var sent = await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/messages", "/api/messages", send, HttpStatusCode.Created, checks);
        var id = sent["data"]![0]!["id"]!.GetValue<string>();
        await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/messages", "/api/messages", """{"test":true,"sender":"alberto","body":"x","recipients":"+39-3491234518"}""", HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, "/api/messages", "/api/messages", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, $"/api/messages/{id}", "/api/messages/{id}", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, $"/api/messages/{id}/recipients", "/api/messages/{id}/recipients", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, $"/api/messages/{id}/recipients/%2B393491234518", "/api/messages/{id}/recipients/{number}", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Put, $"/api/messages/{id}", "/api/messages/{id}", $$"""{"timestamp_send":{{at + 3600}}}""", HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Delete, $"/api/messages/{id}", "/api/messages/{id}", null, HttpStatusCode.OK, checks);

        // Errors: validation, not found, conflict, payment, authentication, a bad query.
        await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/messages", "/api/messages", """{"sender":"alberto","recipients":"+39-3491234518"}""", HttpStatusCode.UnprocessableEntity, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, "/api/messages/zz0000000000000000000000", "/api/messages/{id}", null, HttpStatusCode.NotFound, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Delete, $"/api/messages/{id}", "/api/messages/{id}", null, HttpStatusCode.Conflict, checks);
        await CheckAsync(schema, poor.Client, HttpMethod.Post, "/api/messages", "/api/messages", """{"sender":"alberto","body":"x","recipients":"+39-3491234518"}""", HttpStatusCode.PaymentRequired, checks);
        using var anonymous = app.CreateClient();
        await CheckAsync(schema, anonymous, HttpMethod.Get, "/api/messages", "/api/messages", null, HttpStatusCode.Unauthorized, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, "/api/messages?pageSize=0", "/api/messages", null, HttpStatusCode.BadRequest, checks);

        Assert.Empty(checks);
    }

    [Fact]
    public async Task LiveAnswersOfTheSmsWorldwideContractMatchItsDocument()
    {
        var schema = await DocumentAsync("ww");
        var customer = await app.CreateCustomerAsync(10m);
        var poor = await app.CreateCustomerAsync(0.5m);
        var checks = new List<string>();
        const string Send = """{"sender":"MyCompany","recipient":"+393331234567","message":"Hello! This is a test message.","options":{"dryRun":false,"failOnMultipleMessages":false},"callback":{"method":"JSON","field":"data","url":"https://www.mysite.com/myEndpoint","retry":3,"headers":{"session_id":"9834r5fh589494"},"custom":{"my_custom_id":"123456789"}}}""";

        var sent = await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/WW-messages", "/api/WW-messages", Send, HttpStatusCode.Created, checks);
        var id = sent["id"]!.GetValue<string>();
        await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/WW-messages", "/api/WW-messages", Send.Replace("\"dryRun\":false", "\"dryRun\":true", StringComparison.Ordinal), HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, "/api/WW-messages", "/api/WW-messages", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, $"/api/WW-messages/{id}", "/api/WW-messages/{id}", null, HttpStatusCode.OK, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Get, "/api/WW-messages/zz0000000000000000000000", "/api/WW-messages/{id}", null, HttpStatusCode.NotFound, checks);
        await CheckAsync(schema, poor.Client, HttpMethod.Post, "/api/WW-messages", "/api/WW-messages", Send, HttpStatusCode.PaymentRequired, checks);
        await CheckAsync(schema, customer.Client, HttpMethod.Post, "/api/WW-messages", "/api/WW-messages", "{\"sender\":1}", HttpStatusCode.BadRequest, checks);

        Assert.Empty(checks);
    }

    [Fact]
    public async Task EachContractHasItsOwnDocument()
    {
        var gateway = await DocumentAsync("v1");
        var worldwide = await DocumentAsync("ww");
        Assert.NotNull(gateway.ResponseSchema("/api/messages", "POST", 201, "application/json"));
        Assert.Throws<InvalidOperationException>(() => gateway.ResponseSchema("/api/WW-messages", "POST", 201, "application/json"));
        Assert.NotNull(worldwide.ResponseSchema("/api/WW-messages", "POST", 201, "application/json"));
        Assert.Throws<InvalidOperationException>(() => worldwide.ResponseSchema("/api/messages", "POST", 201, "application/json"));
    }

    [Fact]
    public async Task TheCheckerCatchesAnUndescribedMemberAndAWrongType()
    {
        var document = await DocumentAsync("v1");
        var schema = document.ResponseSchema("/api/messages/{id}", "GET", 200, "application/json");
        var answer = JsonNode.Parse("""{"data":[{"id":"x","messageCount":"one","bogus":1}],"success":true,"message":"1 Result","credit":"1","error":null}""");
        var problems = document.Validate(answer, schema);
        Assert.Contains(problems, p => p.Contains("$.data[0].bogus", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.data[0].messageCount", StringComparison.Ordinal));
        Assert.Empty(document.Validate(JsonNode.Parse("""{"data":[],"success":true,"message":"0 Results","credit":"1","error":null}"""), schema));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("ww")]
    public async Task TheWebhookBodyIsDocumentedAsTheMessageSchemaWithItsRecipientMembers(string name)
    {
        var document = await DocumentAsync(name);
        var schema = document.WebhookSchema("messageStatus", "POST", "application/json");
        var at = new DateTimeOffset(2026, 1, 28, 11, 21, 20, TimeSpan.Zero);
        var message = new MessageEntity
        {
            RowKey = "0123456789abcdef01234567", Username = "acme", State = "QUEUED", Sender = "MyCompany", Recipient = "+393331234567",
            RecipientCount = 2, InternationalPrefix = "39", CountryCode = "IT", Body = "Ciao {{nome}}", Encoding = "GSM-7", CharactersCount = 13,
            MessageCount = 1, Price = "0.05", TotalPrice = "0.10", Type = "transactional", OptionsJson = """{"dryRun":false,"failOnMultipleMessages":false,"transaction":false,"smartEncoding":false}""",
            CallbackJson = """{"url":"https://example.com/hook","method":"JSON","field":"data","headers":{"Authorization":"Bearer s"},"custom":{"a":1},"retry":3}""",
            StateCountsJson = """{"FAILED":1,"DELIVERED":1}""", CreatedAt = at, UpdatedAt = at,
        };
        var recipient = new RecipientEntity
        {
            PartitionKey = message.Id, RowKey = "+393331234568", State = "FAILED", Price = "0.05", Parts = 1, CountryCode = "IT",
            FieldsJson = """{"nome":"Simone"}""", SentAt = at, UpdatedAt = at, Carrier = "Kannel", ErrorCode = "DISPATCH_OUTCOME_UNKNOWN",
            ErrorDetail = "no answer", OutcomeUnknown = true, Refund = "paid", RefundedAt = at,
        };
        var spec = CallbackSpec.FromJson(JsonNode.Parse(message.CallbackJson))!;
        var body = JsonNode.Parse(CallbackThrower.BuildBody(spec, ApiJson.ToNode(MessageViews.ForRecipient(message, recipient, "FAILED")), out _))!;

        Assert.Empty(document.Validate(body, schema));
        Assert.Equal("Kannel", body["data"]!["carrier"]!.GetValue<string>());
        body["data"]!["bogus"] = 1;
        Assert.Contains(document.Validate(body, schema), p => p.Contains("$.data.bogus", StringComparison.Ordinal));
    }

    private async Task<OpenApiSchema> DocumentAsync(string name)
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync(new Uri($"/api/openapi/{name}.json", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new OpenApiSchema(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject());
    }

    private static async Task<JsonNode> CheckAsync(
        OpenApiSchema document, HttpClient client, HttpMethod method, string url, string path, string? body, HttpStatusCode status, List<string> problems)
    {
        using var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{method} {url}: {(int)response.StatusCode}, expected {(int)status}: {text}");
        var media = response.Content.Headers.ContentType?.MediaType ?? "?";
        var value = JsonNode.Parse(text)!;
        JsonNode schema;
        try
        {
            schema = document.ResponseSchema(path, method.Method, (int)status, media);
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(ex.Message);
            return value;
        }

        problems.AddRange(document.Validate(value, schema).Select(p => $"{method} {path} {(int)status}: {p}"));
        return value;
    }
}
