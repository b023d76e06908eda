using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SmsFunctions.Queues.StorageQueues;

/// <summary>
/// The Azure Storage Queues adapter (Azurite locally; also usable in Azure). Messages are stored Base64-encoded, as
/// Functions queue triggers expect, each holding a <see cref="QueueMessageEnvelope"/> so that our id and correlation id
/// survive the trip. Queues are created lazily, once per name per process.
/// </summary>
public sealed partial class StorageQueueTransport : IQueueSender, IQueueReceiver
{
    /// <summary>Storage Queues' own limits.</summary>
    public const int MaxMessagesPerReceive = 32;
    public static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(7);

    /// <summary>64 KiB of Base64 text is 48 KiB of UTF-8.</summary>
    public const int MaxEnvelopeBytes = 48 * 1024;

    private readonly QueueServiceClient _service;
    private readonly StorageQueueTransportOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _queues = new(StringComparer.Ordinal);

    public StorageQueueTransport(IOptions<StorageQueueTransportOptions> options, TokenCredential? credential = null, ILogger<StorageQueueTransport>? logger = null)
        : this(CreateServiceClient(options?.Value ?? throw new ArgumentNullException(nameof(options)), credential), options, logger)
    {
    }

    public StorageQueueTransport(QueueServiceClient service, IOptions<StorageQueueTransportOptions>? options = null, ILogger<StorageQueueTransport>? logger = null)
    {
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _options = options?.Value ?? new StorageQueueTransportOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Client options used for every queue client: Base64 messages, and a service version that Azurite 3.3x
    /// knows (Azurite is also started with <c>--skipApiVersionCheck</c>; the pin makes that flag unnecessary).</summary>
    public static QueueClientOptions CreateClientOptions() =>
        new(QueueClientOptions.ServiceVersion.V2025_11_05) { MessageEncoding = QueueMessageEncoding.Base64 };

    /// <summary>Builds the service client from a connection string, or from a service URI and a credential
    /// (<c>DefaultAzureCredential</c> when none is given).</summary>
    public static QueueServiceClient CreateServiceClient(StorageQueueTransportOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            // Signed with an account SAS made from the key, not per request with the key: the SDK's shared-key
            // policy leaves an HMAC per request to the finalizer (see SmsFunctions.Storage's SignedWithSas for tables).
            var keyed = new QueueServiceClient(options.ConnectionString, CreateClientOptions());
            if (!keyed.CanGenerateAccountSasUri)
            {
                return keyed;
            }

            var (endpoint, sasCredential) = SmsFunctions.Shared.RenewedAccountSas.Create(expiresOn =>
                keyed.GenerateAccountSasUri(Azure.Storage.Sas.AccountSasPermissions.All, expiresOn, Azure.Storage.Sas.AccountSasResourceTypes.All));
            return new QueueServiceClient(endpoint, sasCredential, CreateClientOptions());
        }
        if (options.ServiceUri is not null)
        {
            return new QueueServiceClient(options.ServiceUri, credential ?? new Azure.Identity.DefaultAzureCredential(), CreateClientOptions());
        }
        throw new InvalidOperationException("Storage queues need a connection string (Sms:Storage:ConnectionString) or a queue service URI (Sms:Storage:QueueServiceUri).");
    }

    public async Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var queue = await GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        await SendOneAsync(queue, message, cancellationToken).ConfigureAwait(false);
    }

    public async Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }
        // Validate everything before sending anything, so a bad message does not leave half a batch behind.
        var texts = new string[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            texts[i] = EncodeChecked(messages[i] ?? throw new ArgumentException("The batch contains a null message.", nameof(messages)));
        }
        var queue = await GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        var parallel = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = Math.Max(1, _options.MaxConcurrentSends),
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, messages.Count), parallel, async (i, ct) =>
            await queue.SendMessageAsync(texts[i], VisibilityDelay(messages[i].Delay), TimeToLive, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var queue = await GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        var response = await queue.ReceiveMessagesAsync(
            Math.Min(maxMessages, MaxMessagesPerReceive),
            ClampVisibility(visibilityTimeout, minimum: TimeSpan.FromSeconds(1)),
            cancellationToken).ConfigureAwait(false);

        var received = new List<ReceivedQueueMessage>(response.Value.Length);
        foreach (var message in response.Value)
        {
            var envelope = QueueMessageEnvelope.DecodeEnvelope(message.Body?.ToString() ?? string.Empty);
            received.Add(new ReceivedQueueMessage(
                queueName,
                envelope.Id ?? message.MessageId,
                envelope.Body,
                (int)Math.Min(message.DequeueCount + envelope.PriorDeliveries, int.MaxValue),
                EncodeReceipt(message.MessageId, message.PopReceipt),
                message.InsertedOn,
                envelope.CorrelationId));
        }
        return received;
    }

    public async Task CompleteAsync(ReceivedQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (messageId, popReceipt) = DecodeReceipt(message.Receipt);
        var queue = await GetQueueAsync(message.QueueName, cancellationToken).ConfigureAwait(false);
        try
        {
            await queue.DeleteMessageAsync(messageId, popReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsGoneOrStale(ex))
        {
            LogReceiptNoLongerValid(_logger, "complete", message.QueueName, message.Id, ex.Status, ex.ErrorCode);
        }
    }

    public async Task AbandonAsync(ReceivedQueueMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (messageId, popReceipt) = DecodeReceipt(message.Receipt);
        var queue = await GetQueueAsync(message.QueueName, cancellationToken).ConfigureAwait(false);
        try
        {
            // No new content: the message keeps its text, only its visibility changes.
            await queue.UpdateMessageAsync(messageId, popReceipt, (BinaryData?)null, ClampVisibility(delay, TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsGoneOrStale(ex))
        {
            LogReceiptNoLongerValid(_logger, "abandon", message.QueueName, message.Id, ex.Status, ex.ErrorCode);
        }
    }

    public async Task<ReceivedQueueMessage> RenewAsync(ReceivedQueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (messageId, popReceipt) = DecodeReceipt(message.Receipt);
        var queue = await GetQueueAsync(message.QueueName, cancellationToken).ConfigureAwait(false);
        var updated = await queue.UpdateMessageAsync(messageId, popReceipt, (BinaryData?)null, ClampVisibility(visibilityTimeout, TimeSpan.FromSeconds(1)), cancellationToken).ConfigureAwait(false);
        return message with { Receipt = EncodeReceipt(messageId, updated.Value.PopReceipt) };
    }

    public async Task<int?> GetApproximateCountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        var queue = await GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        var properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return properties.Value.ApproximateMessagesCount;
    }

    /// <summary>The receipt carries both halves that delete/update need: <c>{messageId}:{popReceipt}</c>
    /// (message ids are GUIDs, so the first colon separates them).</summary>
    public static string EncodeReceipt(string messageId, string popReceipt) => messageId + ":" + popReceipt;

    public static (string MessageId, string PopReceipt) DecodeReceipt(string receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var colon = receipt.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == receipt.Length - 1)
        {
            throw new ArgumentException("Not a storage queue receipt (expected '{messageId}:{popReceipt}').", nameof(receipt));
        }
        return (receipt[..colon], receipt[(colon + 1)..]);
    }

    private TimeSpan? TimeToLive => _options.MessageTimeToLive ?? TimeSpan.FromSeconds(-1);

    private async Task SendOneAsync(QueueClient queue, OutgoingQueueMessage message, CancellationToken cancellationToken) =>
        await queue.SendMessageAsync(EncodeChecked(message), VisibilityDelay(message.Delay), TimeToLive, cancellationToken).ConfigureAwait(false);

    private static string EncodeChecked(OutgoingQueueMessage message)
    {
        var text = QueueMessageEnvelope.Encode(message.Id, message.Body, message.CorrelationId, message.PriorDeliveries, null);
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > MaxEnvelopeBytes)
        {
            throw new ArgumentException(
                $"Queue message '{message.Id}' is {bytes} bytes as stored; Storage Queues allow {MaxEnvelopeBytes} (64 KiB after Base64). Put less work in one message.",
                nameof(message));
        }
        if (message.Delay is { } delay && delay > MaxVisibilityDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(message), delay, "Storage Queues can delay a message by at most 7 days; schedule longer delays elsewhere.");
        }
        return text;
    }

    private static TimeSpan? VisibilityDelay(TimeSpan? delay) =>
        delay is { } d && d > TimeSpan.Zero ? ClampVisibility(d, TimeSpan.Zero) : null;

    private static TimeSpan ClampVisibility(TimeSpan value, TimeSpan minimum)
    {
        // The service takes whole seconds; round up so a delay is never shorter than asked.
        var seconds = Math.Ceiling(Math.Max(value.TotalSeconds, minimum.TotalSeconds));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxVisibilityDelay.TotalSeconds));
    }

    /// <summary>404 MessageNotFound: already deleted. 400/404 PopReceiptMismatch: the message became visible again and
    /// was received by someone else; they own it now.</summary>
    private static bool IsGoneOrStale(RequestFailedException ex) =>
        ex.Status == (int)HttpStatusCode.NotFound && ex.ErrorCode != "QueueNotFound"
        || ex.Status == (int)HttpStatusCode.BadRequest && (ex.ErrorCode == "PopReceiptMismatch" || ex.ErrorCode == "InvalidQueryParameterValue");

    private async Task<QueueClient> GetQueueAsync(string queueName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var lazy = _queues.GetOrAdd(queueName, name => new Lazy<Task<QueueClient>>(() => CreateQueueAsync(name)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _queues.TryRemove(new KeyValuePair<string, Lazy<Task<QueueClient>>>(queueName, lazy)); // try again next time
            throw;
        }
    }

    private async Task<QueueClient> CreateQueueAsync(string queueName)
    {
        var queue = _service.GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        return queue;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue {QueueName}: {Operation} of message {MessageId} skipped, its receipt is no longer valid ({Status} {ErrorCode}); it was deleted or redelivered elsewhere.")]
    private static partial void LogReceiptNoLongerValid(ILogger logger, string operation, string queueName, string messageId, int status, string? errorCode);
}
