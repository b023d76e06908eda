using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;
using static SmsFunctions.App.Tests.Contracts.Envelope;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>
/// The "SMS Worldwide" document (seeds/002) on <c>/api/WW-messages</c>: its request sample sent as written, answers
/// checked field by field against its response sample (names and JSON types), <c>state</c> NEW for a message just
/// accepted, the minimum credit of 1.00 × messageCount, and one store shared with <c>/api/messages</c>.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SmsWorldwideContractTests(SmsAppFixture app)
{
    // "ESEMPIO RICHIESTA", as written.
    private const string RequestSample = """
        {
          "sender": "MyCompany",
          "recipient": "+393331234567",
          "message": "Hello! This is a test message.",
          "options": {
            "dryRun": false,
            "failOnMultipleMessages": false
          },
          "callback": {
            "method": "JSON",
            "field": "data",
            "url": "https://www.mysite.com/myEndpoint",
            "retry": 3,
            "headers": {
              "session_id": "9834r5fh589494"
            },
            "custom": {
              "my_custom_id": "123456789"
            }
          }
        }
        """;

    // "ESEMPIO RISPOSTA": every field and the JSON type the sample gives it.
    private static readonly (string Name, JsonValueKind Kind)[] ResponseFields =
    [
        ("id", JsonValueKind.String), ("username", JsonValueKind.String), ("state", JsonValueKind.String), ("sender", JsonValueKind.String),
        ("recipient", JsonValueKind.String), ("internationalPrefix", JsonValueKind.String), ("countryCode", JsonValueKind.String),
        ("message", JsonValueKind.String), ("encoding", JsonValueKind.String), ("charactersCount", JsonValueKind.Number),
        ("messageCount", JsonValueKind.Number), ("price", JsonValueKind.Number), ("totalPrice", JsonValueKind.Number),
        ("blocklisted", JsonValueKind.False), ("blocklistedReason", JsonValueKind.String), ("options", JsonValueKind.Object),
        ("callback", JsonValueKind.Object), ("createdAt", JsonValueKind.String), ("updatedAt", JsonValueKind.String),
    ];

    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task RequestSampleAnswersTheBareMessageObjectWithEveryFieldOfTheResponseSample()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/WW-messages", RequestSample);
        var message = await BareAsync(response, HttpStatusCode.Created);
        AssertMessageObject(message);
        Assert.Equal("NEW", String(message["state"]));
        Assert.Equal("MyCompany", String(message["sender"]));
        Assert.Equal("+393331234567", String(message["recipient"]));
        Assert.Equal("39", String(message["internationalPrefix"]));
        Assert.Equal("IT", String(message["countryCode"]));
        Assert.Equal("Hello! This is a test message.", String(message["message"]));
        Assert.Equal("GSM-7", String(message["encoding"]));
        Assert.Equal(30, message["charactersCount"]!.GetValue<int>());
        Assert.Equal(1, message["messageCount"]!.GetValue<int>());
        Assert.Equal(0.05m, message["price"]!.GetValue<decimal>());
        Assert.Equal(string.Empty, String(message["blocklistedReason"]));
        Assert.False(message["options"]!["dryRun"]!.GetValue<bool>());
        Assert.False(message["options"]!["failOnMultipleMessages"]!.GetValue<bool>());
        var callback = Object(message["callback"]);
        Assert.Equal("JSON", String(callback["method"]));
        Assert.Equal("data", String(callback["field"]));
        Assert.Equal("https://www.mysite.com/myEndpoint", String(callback["url"]));
        Assert.Equal(3, callback["retry"]!.GetValue<int>());
        // The one deliberate difference from the sample: a callback header's value (often the customer's own
        // credential for its webhook) is never shown back, to this token or any other (issue 14).
        Assert.Equal("[redacted]", String(callback["headers"]!["session_id"]));
        Assert.Equal("123456789", String(callback["custom"]!["my_custom_id"]));
        Assert.Equal($"/api/WW-messages/{String(message["id"])}", response.Headers.Location?.ToString());
        Assert.Equal(9.95m, await customer.CreditAsync());
    }

    [Fact]
    public async Task ListAndDetailAnswerTheSameObjectsAndMessagesAreReadableOnBothPaths()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var ww = await customer.PostJsonAsync("/api/WW-messages", RequestSample);
        var wwId = String((await BareAsync(ww, HttpStatusCode.Created))["id"]);
        using var gateway = await customer.PostJsonAsync("/api/messages", """{"sender": "alberto", "body": "test invio", "recipients": "+39-3491234518"}""");
        var gatewayId = String(Object(Assert.Single(Array(Success(await ReadAsync(gateway, HttpStatusCode.Created), "Message Queued"))))["id"]);

        using var list = await customer.Client.GetAsync(new Uri("/api/WW-messages", UriKind.Relative), Ct);
        var items = Array(JsonNode.Parse(await list.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(2, items.Count);
        Assert.All(items, m => AssertMessageObject(Object(m), hasCallback: String(m!["id"]) == wwId));
        Assert.Equal(new[] { gatewayId, wwId }.Order(StringComparer.Ordinal), items.Select(m => String(m!["id"])).Order(StringComparer.Ordinal));

        foreach (var id in new[] { wwId, gatewayId })
        {
            using var one = await customer.Client.GetAsync(new Uri($"/api/WW-messages/{id}", UriKind.Relative), Ct);
            var message = await BareAsync(one, HttpStatusCode.OK);
            Assert.Equal(id, String(message["id"]));
            Assert.Equal("NEW", String(message["state"]));
            using var onGateway = await customer.Client.GetAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
            Assert.Equal(id, String(Object(Assert.Single(Array(Success(await ReadAsync(onGateway, HttpStatusCode.OK), "1 Result"))))["id"]));
        }
    }

    [Fact]
    public async Task StateIsNewUntilARecipientHasBeenHandedToACarrier()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var sent = await customer.PostJsonAsync("/api/WW-messages", """{"sender": "MyCompany", "recipient": ["+393331234567", "+393331234568"], "message": "hi"}""");
        var id = String((await BareAsync(sent, HttpStatusCode.Created))["id"]);
        var recipients = app.Services.GetRequiredServiceFor<Storage.Messages.RecipientStore>();

        // Being submitted is not yet handed over.
        var first = (await recipients.GetAsync(id, "+393331234567", Ct))!;
        first.State = "DISPATCHING";
        Assert.True(await recipients.TryReplaceAsync(first, Ct));
        Assert.Equal("NEW", String((await GetAsync(customer, id))["state"]));

        first = (await recipients.GetAsync(id, "+393331234567", Ct))!;
        first.State = "SENT";
        Assert.True(await recipients.TryReplaceAsync(first, Ct));
        Assert.Equal("SENDING", String((await GetAsync(customer, id))["state"]));
    }

    [Theory]
    [InlineData(0.99, "hi", 1.00, 1)]
    [InlineData(1.50, "Prenotazione confermata 😀 per domani alle 10:00, via Roma 1, Milano. Rispondi SI per confermare.", 2.00, 2)]
    public async Task ASendNeedsACreditOfOnePerPartAndA402SaysHowMuch(decimal credit, string text, decimal required, int parts)
    {
        var customer = await app.CreateCustomerAsync(credit);
        using var response = await customer.PostJsonAsync("/api/WW-messages",
            JsonSerializer.Serialize(new { sender = "MyCompany", recipient = "+393331234567", message = text }));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("INSUFFICIENT_CREDIT", String(body["code"]));
        Assert.Equal(required, body["required"]!.GetValue<decimal>());
        Assert.Equal(parts, body["messageCount"]!.GetValue<int>());
        Assert.Equal(required - credit, body["shortfall"]!.GetValue<decimal>());
        Assert.Equal(JsonValueKind.False, JsonValueKindOf(body["success"]));
        Assert.Equal(3006, body["error"]!.GetValue<int>());
        Assert.Equal(credit, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());

        // The same send on the Gateway SMS path has no such minimum: it costs the price list's 0.05 per part.
        using var gateway = await customer.PostJsonAsync("/api/messages", JsonSerializer.Serialize(new { sender = "MyCompany", recipient = "+393331234567", message = text }));
        Assert.Equal(HttpStatusCode.Created, gateway.StatusCode);
    }

    [Fact]
    public async Task AnUnknownIdIsA404ProblemWithTheEnvelope()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.Client.GetAsync(new Uri("/api/WW-messages/633aabe3e4a9a0e69811ad7f", UriKind.Relative), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(Api.ErrorEnvelopeTests.Lacks(response, text, callerKnown: true));
    }

    [Fact]
    public async Task TheSameIdempotencyKeyOnTheOtherContractIsADifferentRequest()
    {
        var customer = await app.CreateCustomerAsync(10m);
        foreach (var (path, status) in new[] { ("/api/WW-messages", HttpStatusCode.Created), ("/api/messages", HttpStatusCode.Conflict) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
            {
                Content = new StringContent(RequestSample, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", "ww-key-1");
            using var response = await customer.Client.SendAsync(request, Ct);
            Assert.Equal(status, response.StatusCode);
        }
    }

    private static async Task<JsonObject> GetAsync(Customer customer, string id)
    {
        using var response = await customer.Client.GetAsync(new Uri($"/api/WW-messages/{id}", UriKind.Relative), Ct);
        return await BareAsync(response, HttpStatusCode.OK);
    }

    private static async Task<JsonObject> BareAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await ReadAsync(response, status);
        Assert.False(body.ContainsKey("data"), "the message object comes bare, not in an envelope");
        return body;
    }

    private static void AssertMessageObject(JsonObject message, bool hasCallback = true)
    {
        foreach (var (name, kind) in ResponseFields)
        {
            Assert.True(message.ContainsKey(name), $"no {name}");
            var actual = JsonValueKindOf(message[name]);
            if (name == "callback" && !hasCallback)
            {
                Assert.Equal(JsonValueKind.Null, actual);
                continue;
            }

            Assert.True(kind == actual || (kind == JsonValueKind.False && actual == JsonValueKind.True), $"{name} is {actual}, the document has {kind}");
        }

        Timestamp(message["createdAt"], "createdAt");
        Timestamp(message["updatedAt"], "updatedAt");
        foreach (var name in new[] { "sentAt", "deliveredAt" })
        {
            Assert.True(message.ContainsKey(name), $"no {name}");
            if (message[name] is not null)
            {
                Timestamp(message[name], name);
            }
        }
    }
}
