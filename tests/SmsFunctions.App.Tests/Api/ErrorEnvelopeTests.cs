using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>
/// Issue 13: every error is one body that is both an RFC 9457 problem (type, title, status, detail, code, errors) and
/// the seed-003 envelope (data null, success false, message = detail, credit when the caller is known, error an integer).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ErrorEnvelopeTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task EveryEndpointAnswersItsErrorsAsAProblemAndAnEnvelope()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var readOnly = await app.CreateCustomerAsync(10m, scopes: ["messages:read"]);
        using var anonymous = app.CreateClient();
        var callers = new (string Name, HttpClient Client, bool Known)[]
        {
            ("anonymous", anonymous, false), ("customer", customer.Client, true), ("read-only", readOnly.Client, true), ("admin", app.Admin, false),
        };

        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText ?? "/")))
            .Where(r => !r.Pattern.Contains("openapi", StringComparison.Ordinal) && !r.Pattern.Contains("docs", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.True(routes.Count >= 20, $"only {routes.Count} routes found");

        var errorsPerRoute = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(pattern.StartsWith('/') ? pattern : "/" + pattern, "\\{[^}]+\\}", "zz0000000000000000000000");
            foreach (var (name, client, known) in callers)
            {
                foreach (var body in method is "POST" or "PUT" ? new string?[] { "{", "{}" } : [null])
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    }

                    using var response = await client.SendAsync(request, Ct);
                    if ((int)response.StatusCode < 400)
                    {
                        continue;
                    }

                    var key = $"{method} {pattern}";
                    errorsPerRoute[key] = errorsPerRoute.GetValueOrDefault(key) + 1;
                    var text = await response.Content.ReadAsStringAsync(Ct);
                    if (Lacks(response, text, known) is { } lack)
                    {
                        failures.Add($"{method} {path} as {name} → {(int)response.StatusCode}: {lack}: {text}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        // The health probes and the custom handler's root answer no error while the app is healthy.
        Assert.All(routes.Where(r => r.Pattern != "/" && !r.Pattern.Contains("health", StringComparison.Ordinal)), r => Assert.True(errorsPerRoute.ContainsKey($"{r.Method} {r.Pattern}"), $"{r.Method} {r.Pattern} answered no error at all"));
    }

    [Theory]
    [InlineData("GET", "/api/no-such-endpoint", 404, "NOT_FOUND")]
    [InlineData("PATCH", "/api/messages", 405, "METHOD_NOT_ALLOWED")]
    [InlineData("GET", "/api/messages/zz0000000000000000000000", 404, "MESSAGE_NOT_FOUND")]
    public async Task ErrorsWithoutABodyOfTheirOwnGetOne(string method, string path, int status, string code)
    {
        var customer = await app.CreateCustomerAsync(3m);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await customer.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Null(Lacks(response, text, callerKnown: true));
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(code, body["code"]!.GetValue<string>());
        Assert.Equal(ApiErrorNumbers.Table[code], body["error"]!.GetValue<int>());
        Assert.Equal(3m, decimal.Parse(body["credit"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ValidationErrorCarriesEveryProblemAndTheMessageIsTheDetail()
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var response = await customer.PostJsonAsync("/api/messages", "{\"recipient\":\"+393331234567\",\"body\":\"hi\"}");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("SENDER_REQUIRED", body["code"]!.GetValue<string>());
        Assert.Equal(2101, body["error"]!.GetValue<int>());
        Assert.Equal(body["detail"]!.GetValue<string>(), body["message"]!.GetValue<string>());
        Assert.Equal("sender", body["errors"]![0]!["field"]!.GetValue<string>());
        Assert.Equal(10m, decimal.Parse(body["credit"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void EveryStableCodeHasItsOwnNumber()
    {
        var codes = new[] { typeof(ApiErrorCodes), typeof(SmsFunctions.Core.Messages.ErrorCodes) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.All(codes, c => Assert.True(ApiErrorNumbers.Table.ContainsKey(c), $"{c} has no number"));
        Assert.Equal(ApiErrorNumbers.Table.Count, ApiErrorNumbers.Table.Values.Distinct().Count());
    }

    [Fact]
    public void TheReadmeListsEveryErrorNumber()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SmsFunctions.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var readme = File.ReadAllText(Path.Combine(directory.FullName, "README.md"));
        Assert.All(ApiErrorNumbers.Table, p => Assert.Contains($"| {p.Value} | `{p.Key}` |", readme, StringComparison.Ordinal));
    }

    /// <summary>What an error body lacks of the problem or of the envelope, or null when it has both.</summary>
    internal static string? Lacks(HttpResponseMessage response, string text, bool callerKnown)
    {
        JsonObject body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject ?? throw new FormatException();
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            return "not a JSON object";
        }

        string? Check(bool ok, string what) => ok ? null : what;
        return Check(response.Content.Headers.ContentType?.MediaType == "application/problem+json", "content type")
            ?? Check(body["type"] is JsonValue t && t.TryGetValue<string>(out _), "type")
            ?? Check(body["title"] is JsonValue ti && ti.TryGetValue<string>(out _), "title")
            ?? Check(body["status"] is JsonValue s && s.TryGetValue<int>(out var status) && status == (int)response.StatusCode, "status")
            ?? Check(body["detail"] is JsonValue d && d.TryGetValue<string>(out _), "detail")
            ?? Check(body["code"] is JsonValue c && c.TryGetValue<string>(out var code) && code.Length > 0, "code")
            ?? Check(body["errors"] is JsonArray { Count: > 0 } errors && errors.All(e => e?["code"] is not null), "errors")
            ?? Check(body.ContainsKey("data") && body["data"] is null, "data: null")
            ?? Check(body["success"] is JsonValue ok && ok.TryGetValue<bool>(out var success) && !success, "success: false")
            ?? Check(body["message"] is JsonValue m && m.TryGetValue<string>(out var message) && message == body["detail"]!.GetValue<string>(), "message = detail")
            ?? Check(body["error"] is JsonValue e && e.TryGetValue<int>(out var number) && number == ApiErrorNumbers.For(body["code"]!.GetValue<string>(), (int)response.StatusCode), "error number")
            ?? Check(body.ContainsKey("credit") && (!callerKnown || (body["credit"] is JsonValue cr && cr.TryGetValue<string>(out _))), "credit");
    }
}
