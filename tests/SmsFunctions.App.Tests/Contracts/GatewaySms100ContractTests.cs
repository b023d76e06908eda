using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;
using static SmsFunctions.App.Tests.Contracts.Envelope;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>
/// The "Gateway SMS 1.0.0" document (seeds/003): every request sample sent as written (the elided numbers
/// <c>+39-349xxxxx18</c>, <c>+39-34xxxxx018</c>, <c>+39-34xxxxx987</c> made valid), every answer checked against the
/// document's response schema: <c>data</c> an array (an object for PUT, strings for DELETE), <c>success</c> boolean,
/// <c>message</c> its text, <c>credit</c> a string, <c>error</c> null.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GatewaySms100ContractTests(SmsAppFixture app)
{
    private const string SampleRecipient = "+39-3491234518";   // "+39-349xxxxx18"
    private const string SampleRecipientNumber = "+39-3401234018"; // "+39-34xxxxx018"
    private const string PersonalisedNumber = "+39-3401234987"; // "+39-34xxxxx987"

    // "Inviare un messaggio sms", Request samples, as written.
    private const string SendSample = """
        {
          "test": false,
          "sender": "alberto",
          "body": "test invio",
          "recipients": "+39-3491234518"
        }
        """;

    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task SendSampleAnswersMessageQueuedWithAnArrayOfOneMessage()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages/", SendSample);
        var body = await ReadAsync(response, HttpStatusCode.Created);
        var data = Array(Success(body, "Message Queued"));
        var message = Object(Assert.Single(data));
        Assert.Equal(24, String(message["id"]).Length);
        Assert.Equal("alberto", String(message["sender"]));
        Assert.Equal("test invio", String(message["message"]));
        Assert.Equal("+393491234518", String(message["recipient"]));
        Assert.Equal(9.95m, decimal.Parse(String(body["credit"]), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ListSampleAnswersNResultsWithAnArray()
    {
        var customer = await app.CreateCustomerAsync(10m);
        for (var i = 0; i < 2; i++)
        {
            using var sent = await customer.PostJsonAsync("/api/messages/", SendSample);
            Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        }

        foreach (var path in new[] { "/api/messages/", "/api/messages" })
        {
            using var response = await customer.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            var data = Array(Success(await ReadAsync(response, HttpStatusCode.OK), "2 Results"));
            Assert.Equal(2, data.Count);
            Assert.All(data, m => Assert.Equal(24, String(m!["id"]).Length));
        }
    }

    [Fact]
    public async Task GetOneSampleAnswersOneResultWithAnArrayOfOne()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = await SendAsync(customer, SendSample);
        foreach (var path in new[] { $"/api/messages/{id}", $"/api/messages/{id}/" })
        {
            using var response = await customer.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            var data = Array(Success(await ReadAsync(response, HttpStatusCode.OK), "1 Result"));
            Assert.Equal(id, String(Object(Assert.Single(data))["id"]));
        }
    }

    [Fact]
    public async Task PutSampleIntegratesAnOpenTransactionAndAnswersUpdatedWithAnObject()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = await SendAsync(customer, """{"sender": "alberto", "body": "test invio", "recipients": "+39-3491234518", "transaction": true}""");
        // "Integrazione dei messaggi", Request samples: recipients (an array) and options.
        using var response = await customer.Client.PutAsync(new Uri($"/api/messages/{id}/", UriKind.Relative),
            new StringContent("""{"recipients": ["+39-3491234519"], "options": {}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        var data = Object(Success(await ReadAsync(response, HttpStatusCode.OK), "Updated"));
        Assert.Equal(id, String(data["id"]));
        Assert.Equal(2, data["recipients"]!.GetValue<int>());

        using var close = await customer.Client.PutAsync(new Uri($"/api/messages/{id}/", UriKind.Relative),
            new StringContent("""{"transaction": false}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal("QUEUED", String(Object(Success(await ReadAsync(close, HttpStatusCode.OK), "Updated"))["state"]));
    }

    [Fact]
    public async Task DeleteSampleAnswersIdDeletedWithTheCancelledNumbersAsStrings()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = await SendAsync(customer, """{"sender": "alberto", "body": "test invio", "recipients": ["+39-3491234518", "+39-3491234519"], "transaction": true}""");
        using var response = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Ct);
        var body = await ReadAsync(response, HttpStatusCode.OK);
        var data = Array(Success(body, $"{id} Deleted", hasCredit: false));
        Assert.All(data, n => Assert.Equal(JsonValueKind.String, JsonValueKindOf(n)));
        Assert.Equal(["+393491234518", "+393491234519"], data.Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RecipientSamplesAnswerOneResultWithAnArray()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = await SendAsync(customer, SendSample.Replace(SampleRecipient, SampleRecipientNumber, StringComparison.Ordinal));
        foreach (var path in new[] { $"/api/messages/{id}/recipients/", $"/api/messages/{id}/recipients" })
        {
            using var list = await customer.Client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            var recipients = Array(Success(await ReadAsync(list, HttpStatusCode.OK), "1 Result"));
            Assert.Equal("+393401234018", String(Object(Assert.Single(recipients))["number"]));
        }

        // The document's path example is the hyphenated number itself, "+39-34xxxxx018".
        foreach (var spelling in new[] { SampleRecipientNumber, Uri.EscapeDataString(SampleRecipientNumber) })
        {
            using var one = await customer.Client.GetAsync(new Uri($"/api/messages/{id}/recipients/{spelling}", UriKind.Relative), Ct);
            var data = Array(Success(await ReadAsync(one, HttpStatusCode.OK), "1 Result"));
            Assert.Equal("+393401234018", String(Object(Assert.Single(data))["number"]));
        }
    }

    [Fact]
    public async Task ThePersonalisationExampleInItalianIsAcceptedAsWritten()
    {
        // The body's description: "corpo": "Test invio {{nome}}"; the recipient's: {'numero':'+39-34xxxxx987', 'campi':{'nome':'simone', 'cognome':'rossi'}}.
        var customer = await app.CreateCustomerAsync(10m);
        var id = await SendAsync(customer, """
            {"sender": "alberto", "corpo": "Test invio {{nome}}", "recipients": {"numero": "+39-3401234987", "campi": {"nome": "simone", "cognome": "rossi"}}}
            """);
        using var one = await customer.Client.GetAsync(new Uri($"/api/messages/{id}/recipients/{Uri.EscapeDataString(PersonalisedNumber)}", UriKind.Relative), Ct);
        var recipient = Object(Assert.Single(Array(Success(await ReadAsync(one, HttpStatusCode.OK), "1 Result"))));
        Assert.Equal("simone", String(recipient["fields"]!["nome"]));
        Assert.Equal("rossi", String(recipient["fields"]!["cognome"]));
    }

    [Fact]
    public async Task KeysAreMatchedInAnyCase()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages/",
            """{"Sender": "alberto", "CORPO": "Ciao {{Nome}}", "Recipients": [{"Numero": "+39-3491234518", "Campi": {"Nome": "Simone"}}], "Priority": 1.5}""");
        var message = Object(Assert.Single(Array(Success(await ReadAsync(response, HttpStatusCode.Created), "Message Queued"))));
        Assert.Equal("alberto", String(message["sender"]));
        Assert.Equal("Ciao {{Nome}}", String(message["message"]));
        Assert.Equal(1.5m, message["priority"]!.GetValue<decimal>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TimestampSendIsAcceptedAsUnixSecondsOrIsoAndEchoedUnderItsName(bool unix)
    {
        var customer = await app.CreateCustomerAsync(10m);
        var at = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(3).ToUnixTimeSeconds());
        var value = unix ? at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : $"\"{at:yyyy-MM-ddTHH:mm:ssZ}\"";
        using var response = await customer.PostJsonAsync("/api/messages/",
            $$"""{"sender": "alberto", "body": "later", "recipients": "+39-3491234518", "timestamp_send": {{value}}}""");
        var message = Object(Assert.Single(Array(Success(await ReadAsync(response, HttpStatusCode.Created), "Message Queued"))));
        Assert.Equal("SCHEDULED", String(message["state"]));
        Timestamp(message["timestamp_send"], "timestamp_send");
        Assert.Equal(at, DateTimeOffset.Parse(String(message["timestamp_send"]), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(String(message["scheduledAt"]), String(message["timestamp_send"]));
    }

    [Fact]
    public async Task ErrorsCarryTheEnvelopeWithAnIntegerError()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages/", """{"sender": "alberto", "recipients": "+39-3491234518"}""");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(JsonValueKind.False, JsonValueKindOf(body["success"]));
        Assert.Equal(JsonValueKind.Number, JsonValueKindOf(body["error"]));
        Assert.Equal(JsonValueKind.String, JsonValueKindOf(body["credit"]));
        Assert.Equal(JsonValueKind.String, JsonValueKindOf(body["message"]));
        Assert.True(body.ContainsKey("data") && body["data"] is null);
        Assert.Equal("BODY_REQUIRED", String(body["code"]));
    }

    private static async Task<string> SendAsync(Customer customer, string json)
    {
        using var response = await customer.PostJsonAsync("/api/messages/", json);
        var data = Array(Success(await ReadAsync(response, HttpStatusCode.Created), "Message Queued"));
        return String(Object(Assert.Single(data))["id"]);
    }
}
