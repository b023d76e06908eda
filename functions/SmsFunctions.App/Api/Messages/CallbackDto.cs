using System.Text.Json;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// Where delivery reports go (seed 002): <c>method</c> <c>JSON</c> (a JSON body) or <c>POST</c> (a form), the body
/// <c>field</c> that carries the report, extra <c>headers</c>, a <c>custom</c> object echoed back, and how many times
/// to <c>retry</c> (0–10).
/// </summary>
public sealed record CallbackDto(
    string Url,
    string Method,
    string? Field,
    IReadOnlyDictionary<string, string>? Headers,
    JsonElement? Custom,
    int Retry)
{
    public const int DefaultRetry = 3;
    public const int MaxRetry = 10;

    /// <summary>The callback as views show it: header names without their values.</summary>
    public CallbackDto Redacted() => this with { Headers = SmsFunctions.App.Callbacks.CallbackHeaders.Redact(Headers) };
}
