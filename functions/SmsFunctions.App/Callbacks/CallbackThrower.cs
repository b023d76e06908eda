using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// Delivers one webhook: builds the seed-002 payload, signs it with the account's secret and posts it. It only makes
/// one attempt and says what happened; the caller schedules the next attempt from the retry schedule.
/// </summary>
public sealed class CallbackThrower(HttpClient http, IOptionsMonitor<CallbackOptions> options, TimeProvider time, ILogger<CallbackThrower> logger)
{
    // Receivers read "+39…", not "\u002B39…": the body is UTF-8 JSON, not HTML, so only what JSON requires is escaped.
    private static readonly JsonSerializerOptions PayloadJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task<(int? Status, double LatencyMs, string? Error, bool Gone)> SendAsync(
        CallbackSpec spec, JsonNode message, string secret, CancellationToken cancellationToken = default)
    {
        if (await CallbackTargetGuard.NetworkProblemAsync(spec.Url, options.CurrentValue.AllowPrivateNetworks, cancellationToken) is { } problem)
        {
            return (null, 0, problem, true);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, spec.Url);
        var body = BuildBody(spec, message, out var contentType);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        // Rows stored before the header rules still go out, without the headers the rules refuse.
        foreach (var (name, value) in spec.Headers.Where(h => CallbackHeaders.Problem(h.Key, h.Value) is null))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Remove(CallbackSigner.HeaderName);
        request.Headers.TryAddWithoutValidation(CallbackSigner.HeaderName, CallbackSigner.Sign(secret, time.GetUtcNow(), body));
        request.Headers.UserAgent.ParseAdd("SmsFunctions-Webhooks/1.0");

        var started = Stopwatch.GetTimestamp();
        try
        {
            // One attempt, limited by the client's resilience pipeline (CallbackOptions.TimeoutSeconds).
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = (int)response.StatusCode;
            return (status, latency, response.IsSuccessStatusCode ? null : $"HTTP {status}", response.StatusCode == HttpStatusCode.Gone);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            logger.LogInformation("Callback to {Host} failed after {LatencyMs} ms: {Error}", spec.Url.Host, latency, ex.Message);
            return (null, latency, ex is HttpRequestException ? ex.Message : "timed out", false);
        }
    }

    /// <summary>The payload of seed 002: JSON <c>{ field: message, custom }</c>, or a form with the same two fields.</summary>
    public static byte[] BuildBody(CallbackSpec spec, JsonNode message, out string contentType)
    {
        if (spec.Method == CallbackMethod.Json)
        {
            contentType = "application/json";
            var payload = new JsonObject { [spec.Field] = message.DeepClone() };
            if (spec.Custom is not null) { payload["custom"] = spec.Custom.DeepClone(); }
            return JsonSerializer.SerializeToUtf8Bytes(payload, PayloadJson);
        }

        contentType = "application/x-www-form-urlencoded";
        var form = new StringBuilder();
        form.Append(Uri.EscapeDataString(spec.Field)).Append('=').Append(Uri.EscapeDataString(message.ToJsonString(PayloadJson)));
        if (spec.Custom is not null)
        {
            form.Append("&custom=").Append(Uri.EscapeDataString(spec.Custom.ToJsonString(PayloadJson)));
        }

        return Encoding.UTF8.GetBytes(form.ToString());
    }
}
