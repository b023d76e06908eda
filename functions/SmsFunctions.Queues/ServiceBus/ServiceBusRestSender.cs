using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SmsFunctions.Queues.ServiceBus;

/// <summary>
/// Sends to Azure Service Bus queues through the REST API (<c>POST https://{ns}/{queue}/messages</c>) with a Microsoft
/// Entra token, so that <c>MessageId</c> (duplicate detection), <c>CorrelationId</c> and <c>ScheduledEnqueueTimeUtc</c>
/// can be set, which Functions output bindings cannot. Receiving is the Functions host's <c>serviceBusTrigger</c>.
/// </summary>
public sealed partial class ServiceBusRestSender : IQueueSender, IDisposable
{
    public const string TokenScope = "https://servicebus.azure.net/.default";
    public const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    /// <summary>A cached token is replaced this long before it expires.</summary>
    public static readonly TimeSpan TokenRefreshMargin = TimeSpan.FromMinutes(5);

    private static readonly JsonWriterOptions BodyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private readonly TokenCredential _credential;
    private readonly ServiceBusTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _baseAddress;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private AccessToken? _token;

    public ServiceBusRestSender(HttpClient httpClient, TokenCredential credential, IOptions<ServiceBusTransportOptions> options, TimeProvider? timeProvider = null, ILogger<ServiceBusRestSender>? logger = null)
    {
        _http = httpClient ?? throw new ArgumentNullException(nameof(httpClient));
        _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _baseAddress = _options.GetBaseAddress();
        if (!_baseAddress.AbsoluteUri.EndsWith('/'))
        {
            _baseAddress = new Uri(_baseAddress.AbsoluteUri + "/");
        }
    }

    public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentNullException.ThrowIfNull(message);
        var body = Encoding.UTF8.GetBytes(message.Body);
        var brokerProperties = BrokerPropertiesJson(message);
        var contentType = LooksLikeJson(message.Body) ? "application/json" : "text/plain";
        return SendWithRetriesAsync(queueName, () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
            var request = new HttpRequestMessage(HttpMethod.Post, MessagesUri(queueName)) { Content = content };
            request.Headers.TryAddWithoutValidation("BrokerProperties", brokerProperties);
            if (message.PriorDeliveries > 0)
            {
                // A custom (application) property of a single REST send is a request header; a number goes unquoted.
                request.Headers.TryAddWithoutValidation(QueueMessageProperties.PriorDeliveries, message.PriorDeliveries.ToString(CultureInfo.InvariantCulture));
            }
            return request;
        }, 1, cancellationToken);
    }

    public async Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }
        if (messages.Count == 1)
        {
            await SendAsync(queueName, messages[0], cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var batch in SplitBatches(messages, _options.MaxBatchBytes, _options.MaxBatchCount, _time.GetUtcNow()))
        {
            var body = JoinBatch(batch);
            var count = batch.Count;
            await SendWithRetriesAsync(queueName, () =>
            {
                var content = new ByteArrayContent(body);
                // Exactly this media type, without "; charset=utf-8": the service rejects parameters here.
                content.Headers.ContentType = new MediaTypeHeaderValue(BatchContentType);
                return new HttpRequestMessage(HttpMethod.Post, MessagesUri(queueName)) { Content = content };
            }, count, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Splits serialized batch entries so that each JSON array stays within <paramref name="maxBytes"/> and
    /// <paramref name="maxCount"/>. An entry larger than the limit on its own goes alone (the service then decides).</summary>
    public static IReadOnlyList<IReadOnlyList<byte[]>> SplitBatches(IReadOnlyList<OutgoingQueueMessage> messages, int maxBytes, int maxCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var batches = new List<IReadOnlyList<byte[]>>();
        var current = new List<byte[]>();
        var size = 2; // [ ]
        foreach (var message in messages)
        {
            var entry = BatchEntryJson(now, message ?? throw new ArgumentException("The batch contains a null message.", nameof(messages)));
            var added = entry.Length + (current.Count > 0 ? 1 : 0);
            if (current.Count > 0 && (size + added > maxBytes || current.Count >= Math.Max(1, maxCount)))
            {
                batches.Add(current);
                current = [];
                size = 2;
                added = entry.Length;
            }
            current.Add(entry);
            size += added;
        }
        if (current.Count > 0)
        {
            batches.Add(current);
        }
        return batches;
    }

    /// <summary>The <c>BrokerProperties</c> of a message, absent ones omitted.</summary>
    public string BrokerPropertiesJson(OutgoingQueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer) /* default encoder: ASCII only, safe in a header */)
        {
            WriteBrokerProperties(writer, message, _time.GetUtcNow());
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public void Dispose() => _tokenLock.Dispose();

    private static byte[] BatchEntryJson(DateTimeOffset now, OutgoingQueueMessage message)
    {
        using var buffer = new MemoryStream(message.Body.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer, BodyJson))
        {
            writer.WriteStartObject();
            writer.WriteString("Body", message.Body);
            writer.WritePropertyName("BrokerProperties");
            WriteBrokerProperties(writer, message, now);
            if (message.PriorDeliveries > 0)
            {
                writer.WriteStartObject("UserProperties");
                writer.WriteNumber(QueueMessageProperties.PriorDeliveries, message.PriorDeliveries);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteBrokerProperties(Utf8JsonWriter writer, OutgoingQueueMessage message, DateTimeOffset now)
    {
        writer.WriteStartObject();
        if (!string.IsNullOrEmpty(message.Id))
        {
            writer.WriteString("MessageId", message.Id);
        }
        if (!string.IsNullOrEmpty(message.CorrelationId))
        {
            writer.WriteString("CorrelationId", message.CorrelationId);
        }
        if (message.Delay is { } delay && delay > TimeSpan.Zero)
        {
            // RFC 1123 has whole seconds: round up so the message never becomes visible early.
            var at = now + delay;
            var ticks = at.UtcTicks % TimeSpan.TicksPerSecond;
            if (ticks != 0)
            {
                at = at.AddTicks(TimeSpan.TicksPerSecond - ticks);
            }
            writer.WriteString("ScheduledEnqueueTimeUtc", at.UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
        }
        writer.WriteEndObject();
    }

    private static byte[] JoinBatch(IReadOnlyList<byte[]> entries)
    {
        var length = 2 + entries.Sum(e => e.Length) + entries.Count - 1;
        var body = new byte[length];
        var at = 0;
        body[at++] = (byte)'[';
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }
            entries[i].CopyTo(body, at);
            at += entries[i].Length;
        }
        body[at] = (byte)']';
        return body;
    }

    private static bool LooksLikeJson(string body)
    {
        var trimmed = body.AsSpan().Trim();
        return trimmed.Length >= 2 && (trimmed[0] == '{' && trimmed[^1] == '}' || trimmed[0] == '[' && trimmed[^1] == ']');
    }

    private Uri MessagesUri(string queueName) => new(_baseAddress, Uri.EscapeDataString(queueName) + "/messages");

    private async Task SendWithRetriesAsync(string queueName, Func<HttpRequestMessage> createRequest, int messageCount, CancellationToken cancellationToken)
    {
        var maxAttempts = Math.Max(1, _options.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
            using var request = createRequest();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

            HttpStatusCode? status = null;
            TimeSpan? retryAfter = null;
            string failure;
            Exception? error = null;
            using (var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptTimeout.CancelAfter(_options.AttemptTimeout);
                try
                {
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Created || response.IsSuccessStatusCode)
                    {
                        return;
                    }
                    status = response.StatusCode;
                    retryAfter = RetryAfter(response);
                    var detail = await ReadDetailAsync(response, attemptTimeout.Token).ConfigureAwait(false);
                    if (!IsTransient(response.StatusCode))
                    {
                        if (response.StatusCode == HttpStatusCode.Unauthorized)
                        {
                            _token = null; // the next send asks for a fresh token
                        }
                        throw new ServiceBusSendException(Describe(response.StatusCode, queueName, detail), response.StatusCode, queueName, isTransient: false, attempt);
                    }
                    failure = $"HTTP {(int)response.StatusCode} {detail}".TrimEnd();
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no answer within {_options.AttemptTimeout}";
                    error = ex;
                }
                catch (HttpRequestException ex)
                {
                    failure = ex.Message;
                    error = ex;
                }
            }

            if (attempt >= maxAttempts)
            {
                throw new ServiceBusSendException(
                    $"Sending {messageCount} message(s) to Service Bus queue '{queueName}' on {_baseAddress.Host} failed after {attempt} attempts; last failure: {failure}.",
                    status, queueName, isTransient: true, attempt, error);
            }
            var delay = NextDelay(attempt, retryAfter);
            LogRetrying(_logger, queueName, attempt, maxAttempts, failure, delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan NextDelay(int attempt, TimeSpan? retryAfter)
    {
        var max = _options.MaxRetryDelay;
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > max ? max : asked;
        }
        var exponential = _options.BaseRetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
#pragma warning disable CA5394 // jitter, not security
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Min(exponential * jitter, max.TotalMilliseconds));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        if (header?.Date is { } date)
        {
            return date - _time.GetUtcNow();
        }
        return null;
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;

    private string Describe(HttpStatusCode status, string queueName, string detail)
    {
        var entity = $"{_baseAddress.Host}/{queueName}";
        var what = status switch
        {
            HttpStatusCode.Unauthorized =>
                $"Service Bus rejected the token (401) for {entity}: the identity lacks Azure Service Bus Data Sender on {entity} (or on its namespace), or the token is for another tenant or audience.",
            HttpStatusCode.Forbidden =>
                $"Service Bus refused the send (403) to {entity}: the identity lacks Azure Service Bus Data Sender on {entity}, or the entity's quota is exceeded or the message is too large.",
            HttpStatusCode.NotFound =>
                $"Service Bus queue or namespace does not exist (404): {entity}. Check Sms:ServiceBus:Namespace and that infra created queue '{queueName}'.",
            HttpStatusCode.Gone =>
                $"Service Bus queue is gone (410): {entity} does not exist (deleted or never created).",
            HttpStatusCode.RequestEntityTooLarge =>
                $"Service Bus refused the message as too large (413) for {entity}: Standard tier allows 256 KB per message and per batch.",
            HttpStatusCode.BadRequest =>
                $"Service Bus refused the request as malformed (400) for {entity}: check BrokerProperties and the message size.",
            _ => $"Service Bus answered {(int)status} {status} for {entity}.",
        };
        return detail.Length == 0 ? what : what + " Service answer: " + detail;
    }

    private static async Task<string> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            text = text.Trim();
            return text.Length > 500 ? text[..500] + "…" : text;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return string.Empty;
        }
    }

    /// <summary>A bearer token for the namespace, cached and refreshed shortly before it expires (also used by
    /// <see cref="DeadLetters.ServiceBusDeadLetterQueue"/>).</summary>
    internal async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached && IsFresh(cached))
        {
            return cached.Token;
        }
        await _tokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } again && IsFresh(again))
            {
                return again.Token;
            }
            var token = await _credential.GetTokenAsync(new TokenRequestContext([TokenScope]), cancellationToken).ConfigureAwait(false);
            _token = token;
            return token.Token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private bool IsFresh(AccessToken token)
    {
        var now = _time.GetUtcNow();
        return now < token.ExpiresOn - TokenRefreshMargin && (token.RefreshOn is not { } refreshOn || now < refreshOn);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service Bus send to {QueueName} attempt {Attempt}/{MaxAttempts} failed ({Failure}); retrying in {Delay}.")]
    private static partial void LogRetrying(ILogger logger, string queueName, int attempt, int maxAttempts, string failure, TimeSpan delay);
}
