using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SmsFunctions.Testing.Faults;

/// <summary>What the client finally got for one request: the 201's message id and total price, or the status of a
/// definitive refusal, or nothing (it never got an answer before its deadline).</summary>
public sealed record ClientOutcome(string Key, IReadOnlyList<string> Numbers, int? Status, string? MessageId, decimal TotalPrice, int Attempts)
{
    public bool Accepted => Status == 201 && MessageId is not null;

    public bool Unanswered => Status is null;
}

/// <summary>
/// A client that sends with an <c>Idempotency-Key</c> and retries the same request (same key, same body) until it
/// gets an answer: a connection error, a timeout, a 5xx or "409 in progress" is retried after a short pause; a 201
/// or another 4xx ends it. Bounded by a deadline per request. Thread-safe; keeps every outcome.
/// </summary>
public sealed class IdempotentSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, ClientOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly TimeSpan _deadline;
    private long _retries;

    public IdempotentSender(Uri baseUrl, string token, TimeSpan deadlinePerRequest, TimeSpan? attemptTimeout = null)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = attemptTimeout ?? TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _deadline = deadlinePerRequest;
    }

    public IReadOnlyCollection<ClientOutcome> Outcomes => [.. _outcomes.Values];

    /// <summary>Attempts beyond the first of each request.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>A single-recipient send whose body carries the key (so the carrier's record names it).</summary>
    public static string SingleBody(string key, string number, string sender, Uri? callback) =>
        $$"""{"sender":"{{sender}}","recipients":["{{number}}"],"body":"k {{key}}"{{Callback(callback)}}}""";

    public static string Callback(Uri? callback) => callback is null ? "" :
        $$""","callback":{"url":"{{callback}}","method":"JSON","field":"data","retry":10}""";

    public async Task<ClientOutcome> SendAsync(string key, IReadOnlyList<string> numbers, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var until = DateTime.UtcNow + _deadline;
        var attempts = 0;
        while (DateTime.UtcNow < until)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attempts++;
            if (attempts > 1) { Interlocked.Increment(ref _retries); }
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/messages", UriKind.Relative))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var node = JsonNode.Parse(text)?["data"];
                    var data = node is JsonArray list ? list.FirstOrDefault() : node; // seed 003: data: [message]
                    var outcome = new ClientOutcome(key, numbers, status, data?["id"]?.GetValue<string>(),
                        decimal.Parse(data?["totalPrice"]?.ToString() ?? "0", CultureInfo.InvariantCulture), attempts);
                    _outcomes[key] = outcome;
                    return outcome;
                }

                // A 409 is "in progress, retry" — except for a key whose request was abandoned (its process died before
                // storing the message, and the orphan check refunded it): that answer is final, a new key must be used.
                var abandoned = status == 409 && text.Contains("IDEMPOTENT_REQUEST_ABANDONED", StringComparison.Ordinal);
                if (abandoned || status is >= 400 and < 500 && status != 409 && status != 429 && status != 408)
                {
                    var refused = new ClientOutcome(key, numbers, status, null, 0m, attempts);
                    _outcomes[key] = refused;
                    return refused;
                }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { }
            catch (IOException) { }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false); // a client's retry pause
        }

        var unanswered = new ClientOutcome(key, numbers, null, null, 0m, attempts);
        _outcomes[key] = unanswered;
        return unanswered;
    }

    public void Dispose() => _http.Dispose();
}
