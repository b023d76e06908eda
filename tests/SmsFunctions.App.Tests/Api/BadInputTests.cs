using System.Globalization;
using System.Net;
using System.Text;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>
/// A corpus of bad requests to <c>POST /api/messages</c>. Each must get a 400/413/415/422 problem with a stable code
/// and the offending field, never a 500, and leave nothing stored or charged.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(SmsAppFixture app)
{
    private const string Ok = "\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"body\":\"hi\"";

    private static readonly Dictionary<string, BadInput> Corpus = new BadInput[]
    {
        new("malformed json", "{\"sender\":", 400, "MALFORMED_JSON", "$"),
        new("trailing garbage", "{" + Ok + "} x", 400, "MALFORMED_JSON", "$"),
        new("empty body", "", 400, "EMPTY_BODY", "$"),
        new("whitespace body", "  \n ", 400, "EMPTY_BODY", "$"),
        new("array root", "[]", 400, "WRONG_TYPE", "$"),
        new("string root", "\"hello\"", 400, "WRONG_TYPE", "$"),
        new("null root", "null", 400, "WRONG_TYPE", "$"),
        new("too deep", new string('[', 100) + new string(']', 100), 400, "MALFORMED_JSON", "$"),
        new("sender is a number", "{\"sender\":123,\"recipient\":\"+393331234567\",\"body\":\"hi\"}", 400, "WRONG_TYPE", "sender"),
        new("recipients is a number", "{\"sender\":\"MyCompany\",\"recipients\":393331234567,\"body\":\"hi\"}", 400, "WRONG_TYPE", "recipients"),
        new("recipient element is a number", "{\"sender\":\"MyCompany\",\"recipients\":[393331234567],\"body\":\"hi\"}", 400, "WRONG_TYPE", "recipients[0]"),
        new("recipient object without number", "{\"sender\":\"MyCompany\",\"recipients\":[{\"fields\":{}}],\"body\":\"hi\"}", 400, "FIELD_REQUIRED", "recipients[0].number"),
        new("field value is an object", "{\"sender\":\"MyCompany\",\"recipients\":[{\"number\":\"+393331234567\",\"fields\":{\"nome\":{}}}],\"body\":\"hi\"}", 400, "WRONG_TYPE", "recipients[0].fields.nome"),
        new("body is a boolean", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"body\":true}", 400, "WRONG_TYPE", "body"),
        new("message is an array", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"message\":[\"hi\"]}", 400, "WRONG_TYPE", "message"),
        new("priority is a string", "{" + Ok + ",\"priority\":\"high\"}", 400, "WRONG_TYPE", "priority"),
        new("negative priority", "{" + Ok + ",\"priority\":-1}", 422, "PRIORITY_TOO_LOW", "priority"),
        new("absurd priority", "{" + Ok + ",\"priority\":1000000}", 422, "PRIORITY_TOO_HIGH", "priority"),
        new("overflowing priority", "{" + Ok + ",\"priority\":1e400}", 422, "INVALID_VALUE", "priority"),
        new("too precise priority", "{" + Ok + ",\"priority\":1.234}", 422, "PRIORITY_TOO_PRECISE", "priority"),
        new("unknown type", "{" + Ok + ",\"type\":\"urgent\"}", 400, "UNKNOWN_VALUE", "type"),
        new("flash is a string", "{" + Ok + ",\"flash\":\"yes\"}", 400, "WRONG_TYPE", "flash"),
        new("options is a string", "{" + Ok + ",\"options\":\"dryRun\"}", 400, "WRONG_TYPE", "options"),
        new("options.dryRun is a string", "{" + Ok + ",\"options\":{\"dryRun\":\"true\"}}", 400, "WRONG_TYPE", "options.dryRun"),
        new("test is a number", "{" + Ok + ",\"test\":1}", 400, "WRONG_TYPE", "test"),
        new("scheduledAt is not a date", "{" + Ok + ",\"scheduledAt\":\"tomorrow\"}", 422, "INVALID_DATE", "scheduledAt"),
        new("scheduledAt is a boolean", "{" + Ok + ",\"scheduledAt\":true}", 400, "WRONG_TYPE", "scheduledAt"),
        new("timestamp_send in Unix seconds in the past", "{" + Ok + ",\"timestamp_send\":1767225600}", 422, "SCHEDULE_IN_PAST", "scheduledAt"),
        new("timestamp_send negative Unix seconds", "{" + Ok + ",\"timestamp_send\":-5}", 422, "INVALID_DATE", "timestamp_send"),
        new("timestamp_send in the past", "{" + Ok + ",\"timestamp_send\":\"2020-01-01 10:00:00\"}", 422, "SCHEDULE_IN_PAST", "scheduledAt"),
        new("scheduledAt beyond 35 days", "{" + Ok + ",\"scheduledAt\":\"" + DateTimeOffset.UtcNow.AddDays(40).ToString("O", CultureInfo.InvariantCulture) + "\"}", 422, "SCHEDULE_TOO_FAR", "scheduledAt"),
        new("validityPeriod zero", "{" + Ok + ",\"validityPeriod\":0}", 422, "INVALID_VALIDITY_PERIOD", "validityPeriod"),
        new("validityPeriod is a string", "{" + Ok + ",\"validityPeriod\":\"1h\"}", 400, "WRONG_TYPE", "validityPeriod"),
        new("relative callback url", "{" + Ok + ",\"callback\":{\"url\":\"/hook\"}}", 422, "INVALID_CALLBACK_URL", "callback.url"),
        new("ftp callback url", "{" + Ok + ",\"callback\":{\"url\":\"ftp://example.com/hook\"}}", 422, "INVALID_CALLBACK_URL", "callback.url"),
        new("javascript callback url", "{" + Ok + ",\"callback\":{\"url\":\"javascript:alert(1)\"}}", 422, "INVALID_CALLBACK_URL", "callback.url"),
        new("callback without url", "{" + Ok + ",\"callback\":{\"method\":\"JSON\"}}", 422, "FIELD_REQUIRED", "callback.url"),
        new("callback method GET", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"method\":\"GET\"}}", 400, "UNKNOWN_VALUE", "callback.method"),
        new("callback retry 11", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"retry\":11}}", 422, "INVALID_CALLBACK_RETRY", "callback.retry"),
        new("callback retry negative", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"retry\":-1}}", 422, "INVALID_CALLBACK_RETRY", "callback.retry"),
        new("callback header is a number", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":{\"x\":1}}}", 400, "WRONG_TYPE", "callback.headers.x"),
        new("callback is a string", "{" + Ok + ",\"callback\":\"https://example.com\"}", 400, "WRONG_TYPE", "callback"),
        new("callback url with credentials", "{" + Ok + ",\"callback\":{\"url\":\"https://user:pass@example.com/hook\"}}", 422, "INVALID_CALLBACK_URL", "callback.url"),
        new("callback header Host", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"Host\":\"internal.example\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.Host"),
        new("callback header Content-Type", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"content-type\":\"text/plain\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.content-type"),
        new("callback header Transfer-Encoding", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"Transfer-Encoding\":\"chunked\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.Transfer-Encoding"),
        new("callback header X-Sms-Signature", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"X-Sms-Signature\":\"t=1,v1=forged\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.X-Sms-Signature"),
        new("callback header value with CR LF", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"X-Tenant\":\"a\\r\\nX-Injected: 1\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.X-Tenant"),
        new("callback header name with a space", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"X Tenant\":\"a\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.X Tenant"),
        new("callback header value too long", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{\"X-Tenant\":\"" + new string('a', 1025) + "\"}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers.X-Tenant"),
        new("callback with 21 headers", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{" + string.Join(',', Enumerable.Range(0, 21).Select(i => $"\"X-H{i}\":\"v\"")) + "}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers"),
        new("callback headers over 4096 characters", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"headers\":" + "{" + string.Join(',', Enumerable.Range(0, 5).Select(i => $"\"X-H{i}\":\"{new string('v', 1000)}\"")) + "}}}", 422, "INVALID_CALLBACK_HEADER", "callback.headers"),
        new("callback custom over the stored size", "{" + Ok + ",\"callback\":{\"url\":\"https://example.com\",\"custom\":{\"blob\":\"" + new string('x', 40_000) + "\"}}}", 422, "CALLBACK_TOO_LARGE", "callback.custom"),
        new("recipient fields over the stored size", "{\"sender\":\"MyCompany\",\"recipients\":[{\"number\":\"+393331234567\",\"fields\":{\"nome\":\"" + new string('x', 70_000) + "\"}}],\"body\":\"Ciao {{nome}}\"}", 422, "RECIPIENT_FIELDS_TOO_LARGE", "recipients[0].fields"),
        new("missing sender", "{\"recipient\":\"+393331234567\",\"body\":\"hi\"}", 422, "SENDER_REQUIRED", "sender"),
        new("sender too long", "{\"sender\":\"ThisIsWayTooLong\",\"recipient\":\"+393331234567\",\"body\":\"hi\"}", 422, "SENDER_TOO_LONG", "sender"),
        new("sender too short", "{\"sender\":\"12\",\"recipient\":\"+393331234567\",\"body\":\"hi\"}", 422, "SENDER_TOO_SHORT", "sender"),
        new("sender with markup", "{\"sender\":\"My<Co>\",\"recipient\":\"+393331234567\",\"body\":\"hi\"}", 422, "SENDER_INVALID_CHARACTERS", "sender"),
        new("missing body", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\"}", 422, "BODY_REQUIRED", "body"),
        new("empty body text", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"body\":\"\"}", 422, "BODY_REQUIRED", "body"),
        new("body too long", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"body\":\"" + new string('a', 1600) + "\"}", 422, "BODY_TOO_LONG", "body"),
        new("missing recipients", "{\"sender\":\"MyCompany\",\"body\":\"hi\"}", 422, "RECIPIENTS_REQUIRED", "recipients"),
        new("empty recipients", "{\"sender\":\"MyCompany\",\"recipients\":[],\"body\":\"hi\"}", 422, "RECIPIENTS_REQUIRED", "recipients"),
        new("no valid recipient", "{\"sender\":\"MyCompany\",\"recipients\":[\"3331234567\",\"+39-12\",\"+39 333 abc\"],\"body\":\"hi\"}", 422, "NO_VALID_RECIPIENTS", "recipients"),
        new("missing placeholder value", "{\"sender\":\"MyCompany\",\"recipients\":[\"+393331234567\"],\"body\":\"Ciao {{nome}}\"}", 422, "MISSING_PLACEHOLDER", "recipients"),
        new("unsupported content type", "{" + Ok + "}", 415, "UNSUPPORTED_MEDIA_TYPE", null, ContentType: "text/plain"),
        new("body over 16 MB", "{\"sender\":\"MyCompany\",\"recipient\":\"+393331234567\",\"body\":\"" + new string('a', 17 * 1024 * 1024) + "\"}", 413, "PAYLOAD_TOO_LARGE", "$"),
        new("over 100,000 recipients", "{\"sender\":\"MyCompany\",\"body\":\"hi\",\"recipients\":[" + string.Join(',', Enumerable.Repeat("\"+393331234567\"", 100_001)) + "]}", 413, "TOO_MANY_RECIPIENTS", "recipients"),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> Cases => [.. Corpus.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputGetsAProblemWithAStableCodeAndFieldAndNothingIsStoredOrCharged(string name)
    {
        var bad = Corpus[name];
        var customer = await app.CreateCustomerAsync(10m);
        var ledger = await customer.LedgerCountAsync();
        using var content = new StringContent(bad.Body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(bad.ContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
        request.Headers.ExpectContinue = true; // a well-behaved client lets the server refuse a huge body before sending it
        using var response = await customer.Client.SendAsync(request, TestCancellation.Token);
        var problem = await Problem.ReadAsync(response);

        Assert.True(bad.Status == (int)problem.Status, $"{name}: expected {bad.Status}, got {(int)problem.Status}: {Clip(problem.Text)}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.True(problem.Errors.Any(e => e.Code == bad.Code && (bad.Field is null || e.Field == bad.Field)),
            $"{name}: no ({bad.Code}, {bad.Field}) in {Clip(problem.Text)}");
        Assert.DoesNotContain("   at ", problem.Text, StringComparison.Ordinal);
        Assert.Equal(10m, await customer.CreditAsync());
        Assert.Equal(0, await customer.MessageCountAsync());
        Assert.Equal(ledger, await customer.LedgerCountAsync());
    }

    [Fact]
    public async Task AValidationFailureListsEveryProblemNotJustTheFirst()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages",
            "{\"sender\":\"ThisIsWayTooLong\",\"recipients\":[\"bogus\"],\"body\":\"\",\"priority\":0.5,\"callback\":{\"url\":\"ftp://x\"}}");
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Equal("VALIDATION_FAILED", problem.Code);
        var codes = problem.Errors.Select(e => e.Code).ToHashSet();
        Assert.Superset(new HashSet<string> { "SENDER_TOO_LONG", "NO_VALID_RECIPIENTS", "BODY_REQUIRED", "PRIORITY_TOO_LOW", "INVALID_CALLBACK_URL" }, codes);
        Assert.Equal("bogus", problem.Body["invalidRecipients"]![0]!["input"]!.GetValue<string>());
        Assert.Equal(0, await customer.MessageCountAsync());
    }

    [Fact]
    public async Task AnOverlongIdempotencyKeyIsRefused()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = new StringContent("{" + Ok + "}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", new string('k', 300));
        using var response = await customer.Client.SendAsync(request, TestCancellation.Token);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("INVALID_IDEMPOTENCY_KEY", problem.Code);
        Assert.Equal(0, await customer.MessageCountAsync());
    }

    private static string Clip(string text) => text.Length <= 600 ? text : text[..600] + "…";

    private sealed record BadInput(string Name, string Body, int Status, string Code, string? Field, string ContentType = "application/json");
}
