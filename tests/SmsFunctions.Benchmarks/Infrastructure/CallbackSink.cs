using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// The customer's webhook: receives the app's callbacks (<c>{"data": {message}}</c>, field "data"), checks the
/// <c>X-Sms-Signature: t=…,v1=…</c> HMAC-SHA256 over "t.body" with the account's webhook secret, and timestamps the
/// first DELIVERED callback per message id. Earlier callbacks (SENT …) are only counted by state.
/// </summary>
internal sealed class CallbackSink
{
    private readonly ConcurrentDictionary<string, long> _deliveredAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deliveredCallbacksPerMessage = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _byState = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _problems = new();
    private int _callbacks;
    private int _badSignatures;
    private int _unsigned;

    /// <summary>The account's webhook secret; null when the account answer carried none (then signatures are
    /// only checked for presence).</summary>
    public string? Secret { get; set; }

    public string Path { get; } = "/hook";

    public int Callbacks => Volatile.Read(ref _callbacks);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public int Unsigned => Volatile.Read(ref _unsigned);

    public IReadOnlyDictionary<string, int> ByState => new Dictionary<string, int>(_byState, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Problems => [.. _problems.Take(20)];

    public bool TryGetDeliveredAt(string id, out long timestamp) => _deliveredAt.TryGetValue(id, out timestamp);

    /// <summary>DELIVERED callbacks received for a message (a bulk message may report per recipient).</summary>
    public int DeliveredCallbacks(string id) => _deliveredCallbacksPerMessage.TryGetValue(id, out var n) ? n : 0;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var at = Stopwatch.GetTimestamp();
        var body = buffer.ToArray();
        Interlocked.Increment(ref _callbacks);
        CheckSignature(context.Request.Headers["X-Sms-Signature"].ToString(), body);

        try
        {
            using var document = JsonDocument.Parse(body);
            var message = document.RootElement.TryGetProperty("data", out var data) ? data : document.RootElement;
            var id = message.TryGetProperty("id", out var idElement) ? idElement.ToString() : null;
            var state = message.TryGetProperty("state", out var stateElement) ? stateElement.ToString() : "(none)";
            _byState.AddOrUpdate(state, 1, (_, n) => n + 1);
            if (id is not null && string.Equals(state, "DELIVERED", StringComparison.OrdinalIgnoreCase))
            {
                _deliveredAt.TryAdd(id, at);
                _deliveredCallbacksPerMessage.AddOrUpdate(id, 1, (_, n) => n + 1);
            }
            else if (id is not null && !string.Equals(state, "SENT", StringComparison.OrdinalIgnoreCase) && _byState.TryGetValue(state, out var seen) && seen <= 3)
            {
                // The first few of each unexpected final state, whole, so that an incomplete run says why.
                Problem(state + ": " + Truncate(Encoding.UTF8.GetString(body)));
            }
            else if (id is null)
            {
                Problem("callback without data.id: " + Truncate(Encoding.UTF8.GetString(body)));
            }
        }
        catch (JsonException ex)
        {
            Problem("callback body is not JSON: " + ex.Message);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private void CheckSignature(string header, byte[] body)
    {
        if (string.IsNullOrEmpty(header))
        {
            Interlocked.Increment(ref _unsigned);
            Problem("callback without X-Sms-Signature");
            return;
        }

        string? t = null, v1 = null;
        foreach (var part in header.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair.Length != 2) { continue; }
            if (pair[0] == "t") { t = pair[1]; }
            else if (pair[0] == "v1") { v1 = pair[1]; }
        }

        if (t is null || v1 is null)
        {
            Interlocked.Increment(ref _badSignatures);
            Problem("malformed X-Sms-Signature: " + header);
            return;
        }

        if (Secret is null) { return; }
        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed);
        // Hex is the usual webhook convention (Stripe-style t=,v1=); accept Base64 too rather than guess wrong.
        var matches = string.Equals(v1, Convert.ToHexString(mac), StringComparison.OrdinalIgnoreCase)
            || string.Equals(v1, Convert.ToBase64String(mac), StringComparison.Ordinal);
        if (!matches)
        {
            Interlocked.Increment(ref _badSignatures);
            Problem(string.Create(CultureInfo.InvariantCulture, $"signature mismatch (t={t})"));
        }
    }

    private void Problem(string text)
    {
        if (_problems.Count < 100) { _problems.Enqueue(text); }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
