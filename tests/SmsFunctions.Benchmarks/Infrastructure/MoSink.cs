using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// Where MOs arrive: either the account's inbound webhook (<see cref="HandleWebhookAsync"/>: the app's signed JSON,
/// <c>{"data": {inbound message}}</c>) or Kannel's <c>sms-service</c> calling a bare HTTP sink
/// (<see cref="HandleKannelAsync"/>: the MO in the get-url's query). The MO text is <c>"MO &lt;run&gt; &lt;n&gt;"</c>;
/// the first arrival of each number of the current run is timestamped and frees one place in the injection window.
/// </summary>
internal sealed class MoSink
{
    private long[] _arrivedAt = [];
    private string _run = "";
    private int _arrived;
    private int _duplicates;
    private int _badSignatures;
    private int _unsigned;
    private SemaphoreSlim? _window; // the current run's, owned by MoDriver
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _problems = new();

    /// <summary>The account's webhook secret (null: signatures are only checked for presence).</summary>
    public string? Secret { get; set; }

    public int Arrived => Volatile.Read(ref _arrived);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public int Unsigned => Volatile.Read(ref _unsigned);

    public IReadOnlyCollection<string> Problems => [.. _problems.Take(20)];

    /// <summary>Resets for a run of <paramref name="count"/> MOs tagged <paramref name="run"/>; each first arrival
    /// releases <paramref name="window"/> once.</summary>
    public void BeginRun(string run, int count, SemaphoreSlim window)
    {
        Volatile.Write(ref _arrivedAt, new long[count]);
        _arrived = _duplicates = 0;
        _window = window;
        Volatile.Write(ref _run, run);
    }

    /// <summary>Stopwatch timestamp of MO <paramref name="n"/>'s first arrival, or 0.</summary>
    public long ArrivedAt(int n)
    {
        var slots = Volatile.Read(ref _arrivedAt);
        return (uint)n < (uint)slots.Length ? Volatile.Read(ref slots[n]) : 0;
    }

    public async Task HandleWebhookAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var at = Stopwatch.GetTimestamp();
        var body = buffer.ToArray();
        CheckSignature(context.Request.Headers["X-Sms-Signature"].ToString(), body);
        try
        {
            using var document = JsonDocument.Parse(body);
            var message = document.RootElement.TryGetProperty("data", out var data) ? data : document.RootElement;
            Arrive(message.TryGetProperty("text", out var text) ? text.GetString() : null, at);
        }
        catch (JsonException ex)
        {
            Problem("webhook body is not JSON: " + ex.Message);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public Task HandleKannelAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Arrive(context.Request.Query["text"].ToString(), Stopwatch.GetTimestamp());
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        return Task.CompletedTask;
    }

    private void Arrive(string? text, long at)
    {
        var parts = text?.Split(' ');
        if (parts is not { Length: 3 } || parts[0] != "MO" || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            Problem("an MO that is not the benchmark's: " + text);
            return;
        }

        if (parts[1] != Volatile.Read(ref _run)) { return; } // a straggler of an earlier run
        var slots = Volatile.Read(ref _arrivedAt);
        if ((uint)n < (uint)slots.Length && Interlocked.CompareExchange(ref slots[n], at, 0) == 0)
        {
            Interlocked.Increment(ref _arrived);
            try { _window?.Release(); }
            catch (ObjectDisposedException) { } // arrived after its run's deadline
        }
        else
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    private void CheckSignature(string header, byte[] body)
    {
        if (string.IsNullOrEmpty(header))
        {
            Interlocked.Increment(ref _unsigned);
            Problem("webhook without X-Sms-Signature");
            return;
        }

        var fields = header.Split(',').Select(p => p.Trim().Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("t", out var t) || !fields.TryGetValue("v1", out var v1))
        {
            Interlocked.Increment(ref _badSignatures);
            Problem("malformed X-Sms-Signature: " + header);
            return;
        }

        if (Secret is null) { return; }
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray());
        if (!string.Equals(v1, Convert.ToHexString(mac), StringComparison.OrdinalIgnoreCase) && !string.Equals(v1, Convert.ToBase64String(mac), StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _badSignatures);
            Problem(string.Create(CultureInfo.InvariantCulture, $"signature mismatch (t={t})"));
        }
    }

    private void Problem(string text)
    {
        if (_problems.Count < 100) { _problems.Enqueue(text); }
    }
}
