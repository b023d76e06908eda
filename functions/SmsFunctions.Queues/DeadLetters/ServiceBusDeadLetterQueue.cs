using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues.ServiceBus;

namespace SmsFunctions.Queues.DeadLetters;

/// <summary>
/// A Service Bus queue's dead-letter sub-queue, <c>{queue}/$DeadLetterQueue</c>, through the REST runtime API (as
/// <see cref="ServiceBusRestSender"/> sends): peek-lock <c>POST …/$DeadLetterQueue/messages/head</c> (201 with the
/// body, <c>BrokerProperties</c> and a <c>Location</c> to unlock with PUT or complete with DELETE; 204 when empty).
/// REST has no non-locking peek, so listing locks and then unlocks (raising each entry's delivery count, which a
/// dead-letter queue does not act on). The count comes from the queue's description (<c>GET {queue}</c>, Atom,
/// <c>CountDetails/DeadLetterMessageCount</c>), which needs the Manage right (Azure Service Bus Data Owner): without
/// it the count is null ("unknown") and listing/replay still work with Data Receiver + Data Sender.
/// </summary>
public sealed partial class ServiceBusDeadLetterQueue : IDeadLetterSource
{
    public const string DeadLetterPath = "/$DeadLetterQueue";

    private readonly HttpClient _http;
    private readonly ServiceBusRestSender _auth;
    private readonly Uri _baseAddress;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _countUnavailableLogged = new(StringComparer.Ordinal);

    public ServiceBusDeadLetterQueue(HttpClient http, ServiceBusRestSender auth, IOptions<ServiceBusTransportOptions> options, ILogger<ServiceBusDeadLetterQueue>? logger = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _auth = auth ?? throw new ArgumentNullException(nameof(auth));
        var address = (options?.Value ?? throw new ArgumentNullException(nameof(options))).GetBaseAddress().AbsoluteUri;
        _baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name => DeadLetterSources.ServiceBus;

    public async Task<int?> CountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        using var request = await CreateAsync(HttpMethod.Get, Uri.EscapeDataString(queueName) + "?api-version=2021-05", cancellationToken).ConfigureAwait(false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if (_countUnavailableLogged.TryAdd(queueName, 0))
            {
                LogCountUnavailable(_logger, queueName, (int)response.StatusCode); // once per queue: the gauge asks every minute
            }
            return null;
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var count = XDocument.Parse(text).Descendants().FirstOrDefault(e => e.Name.LocalName == "DeadLetterMessageCount")?.Value;
            return int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var locked = new List<Locked>();
        try
        {
            while (locked.Count < maxMessages && await LockNextAsync(queueName, cancellationToken).ConfigureAwait(false) is { } next)
            {
                locked.Add(next);
            }
        }
        finally
        {
            foreach (var entry in locked)
            {
                await SettleAsync(HttpMethod.Put, entry, CancellationToken.None).ConfigureAwait(false);
            }
        }
        return [.. locked.Select(l => l.Message)];
    }

    public async Task<DeadLetterReplay> ReplayAsync(string queueName, int maxMessages, IQueueSender target, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentNullException.ThrowIfNull(target);
        var replayed = 0;
        while (replayed < maxMessages && await LockNextAsync(queueName, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            try
            {
                var id = ReplayMessageId.For(entry.Message.Id, entry.SequenceNumber);
                await target.SendAsync(queueName, new OutgoingQueueMessage(id, entry.Message.Body, null, entry.Message.CorrelationId), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogReplaySendFailed(_logger, ex, queueName, entry.Message.Id);
                await SettleAsync(HttpMethod.Put, entry, CancellationToken.None).ConfigureAwait(false);
                return new DeadLetterReplay(replayed, 1); // the next lock would likely be the same entry: stop here
            }
            // Sent: complete it. If completing fails the lock runs out and a later replay sends the same derived id,
            // which duplicate detection drops.
            await SettleAsync(HttpMethod.Delete, entry, CancellationToken.None).ConfigureAwait(false);
            replayed++;
        }
        return new DeadLetterReplay(replayed, 0);
    }

    private sealed record Locked(DeadLetteredMessage Message, Uri Location, string SequenceNumber);

    private async Task<Locked?> LockNextAsync(string queueName, CancellationToken cancellationToken)
    {
        var path = Uri.EscapeDataString(queueName) + DeadLetterPath + "/messages/head?timeout=1";
        using var request = await CreateAsync(HttpMethod.Post, path, cancellationToken).ConfigureAwait(false);
        request.Content = new ByteArrayContent([]);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }
        if (response.StatusCode != HttpStatusCode.Created && response.StatusCode != HttpStatusCode.OK)
        {
            throw new ServiceBusSendException(
                $"Service Bus answered {(int)response.StatusCode} to a peek-lock on {queueName}{DeadLetterPath}: the identity needs Azure Service Bus Data Receiver on the queue.",
                response.StatusCode, queueName, isTransient: (int)response.StatusCode >= 500, attempts: 1);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var broker = Header(response, "BrokerProperties");
        string? messageId = null, lockToken = null, sequence = null, correlationId = null;
        var deliveryCount = 0;
        DateTimeOffset? enqueued = null;
        if (broker is not null)
        {
            using var properties = JsonDocument.Parse(broker);
            foreach (var property in properties.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "MessageId": messageId = property.Value.ToString(); break;
                    case "LockToken": lockToken = property.Value.ToString(); break;
                    case "SequenceNumber": sequence = property.Value.ToString(); break;
                    case "CorrelationId": correlationId = property.Value.ToString(); break;
                    case "DeliveryCount" when property.Value.TryGetInt32(out var count): deliveryCount = count; break;
                    case "EnqueuedTimeUtc" when DateTimeOffset.TryParse(property.Value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at): enqueued = at; break;
                }
            }
        }
        var location = response.Headers.Location;
        if (location is null && messageId is not null && lockToken is not null)
        {
            location = new Uri(_baseAddress, $"{Uri.EscapeDataString(queueName)}{DeadLetterPath}/messages/{Uri.EscapeDataString(sequence ?? messageId)}/{Uri.EscapeDataString(lockToken)}");
        }
        if (location is null)
        {
            throw new ServiceBusSendException($"Service Bus locked a dead letter of {queueName} without a Location or LockToken to settle it with.",
                response.StatusCode, queueName, isTransient: false, attempts: 1);
        }
        if (!location.IsAbsoluteUri)
        {
            location = new Uri(_baseAddress, location);
        }
        var reason = Unquote(Header(response, "DeadLetterReason"));
        var description = Unquote(Header(response, "DeadLetterErrorDescription"));
        var why = reason is null ? description : description is null ? reason : $"{reason}: {description}";
        var message = new DeadLetteredMessage(queueName, DeadLetterSources.ServiceBus, messageId ?? sequence ?? string.Empty, body, deliveryCount, why, enqueued, correlationId);
        return new Locked(message, location, sequence ?? messageId ?? lockToken ?? "0");
    }

    private async Task SettleAsync(HttpMethod method, Locked entry, CancellationToken cancellationToken)
    {
        try
        {
            using var request = await CreateAsync(method, entry.Location.AbsoluteUri, cancellationToken).ConfigureAwait(false);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogSettleFailed(_logger, null, method.Method, entry.Message.QueueName, entry.Message.Id, (int)response.StatusCode);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            LogSettleFailed(_logger, ex, method.Method, entry.Message.QueueName, entry.Message.Id, 0); // the lock runs out by itself
        }
    }

    private async Task<HttpRequestMessage> CreateAsync(HttpMethod method, string relativeOrAbsolute, CancellationToken cancellationToken)
    {
        var token = await _auth.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var uri = Uri.TryCreate(relativeOrAbsolute, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
            ? absolute
            : new Uri(_baseAddress, relativeOrAbsolute);
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static string? Unquote(string? value)
    {
        if (value is { Length: >= 2 } && value[0] == '"' && value[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(value);
            }
            catch (JsonException)
            {
                return value[1..^1];
            }
        }
        return string.IsNullOrEmpty(value) ? null : value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The dead-letter count of Service Bus queue {QueueName} is unknown: reading its description answered {Status} (it needs the Manage right, Azure Service Bus Data Owner)")]
    private static partial void LogCountUnavailable(ILogger logger, string queueName, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying dead letter {MessageId} of {QueueName}: the send failed; it stays in the dead-letter queue")]
    private static partial void LogReplaySendFailed(ILogger logger, Exception exception, string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {Method} the lock of dead letter {MessageId} of {QueueName} (status {Status}); its lock runs out by itself")]
    private static partial void LogSettleFailed(ILogger logger, Exception? exception, string method, string queueName, string messageId, int status);
}
