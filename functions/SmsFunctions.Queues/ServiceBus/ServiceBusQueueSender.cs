using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SmsFunctions.Queues.ServiceBus;

/// <summary>
/// Sends to Azure Service Bus queues through the SDK (<see cref="ServiceBusClient"/>, one per process, with one
/// <see cref="ServiceBusSender"/> per queue). The queue port's message maps onto a <see cref="ServiceBusMessage"/>:
/// its id is the <c>MessageId</c> (stable across re-sends, so duplicate detection drops a repeat), a delay becomes
/// <c>ScheduledEnqueueTime</c>, prior deliveries an application property. The SDK retries transient failures; what
/// still fails surfaces as a <see cref="ServiceBusSendException"/> that says what to check. Receiving is the Functions
/// host's <c>serviceBusTrigger</c>.
/// </summary>
public sealed class ServiceBusQueueSender : IQueueSender, IAsyncDisposable
{
    private readonly ServiceBusClient _client;
    private readonly ServiceBusTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public ServiceBusQueueSender(ServiceBusClient client, IOptions<ServiceBusTransportOptions> options, TimeProvider? timeProvider = null, ILogger<ServiceBusQueueSender>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentNullException.ThrowIfNull(message);
        var sender = SenderFor(queueName);
        try
        {
            await sender.SendMessageAsync(ToServiceBusMessage(message, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ServiceBusSendException.Explains(ex, cancellationToken))
        {
            throw ServiceBusSendException.From(ex, _client.FullyQualifiedNamespace, queueName, 1);
        }
    }

    /// <summary>Sends in as few batches as the link's size limit and <see cref="ServiceBusTransportOptions.MaxBatchCount"/>
    /// allow, in order. A message too large for a batch on its own fails the call; batches before it are sent (their
    /// message ids make a retry of the whole call harmless).</summary>
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

        var sender = SenderFor(queueName);
        var now = _time.GetUtcNow();
        var maxCount = Math.Max(1, _options.MaxBatchCount);
        ServiceBusMessageBatch? batch = null;
        try
        {
            foreach (var message in messages)
            {
                var mapped = ToServiceBusMessage(message ?? throw new ArgumentException("The batch contains a null message.", nameof(messages)), now);
                batch ??= await sender.CreateMessageBatchAsync(cancellationToken).ConfigureAwait(false);
                if (batch.Count < maxCount && batch.TryAddMessage(mapped))
                {
                    continue;
                }
                if (batch.Count == 0)
                {
                    throw ServiceBusSendException.TooLarge(_client.FullyQualifiedNamespace, queueName, message.Id, batch.MaxSizeInBytes);
                }
                await SendAndDisposeAsync(sender, batch, cancellationToken).ConfigureAwait(false);
                batch = await sender.CreateMessageBatchAsync(cancellationToken).ConfigureAwait(false);
                if (!batch.TryAddMessage(mapped))
                {
                    throw ServiceBusSendException.TooLarge(_client.FullyQualifiedNamespace, queueName, message.Id, batch.MaxSizeInBytes);
                }
            }
            if (batch is { Count: > 0 })
            {
                await SendAndDisposeAsync(sender, batch, cancellationToken).ConfigureAwait(false);
            }
            batch = null;
        }
        catch (Exception ex) when (ex is not ServiceBusSendException && ServiceBusSendException.Explains(ex, cancellationToken))
        {
            throw ServiceBusSendException.From(ex, _client.FullyQualifiedNamespace, queueName, messages.Count);
        }
        finally
        {
            batch?.Dispose();
        }
    }

    /// <summary>The Service Bus message for one of ours; <paramref name="now"/> anchors a delay.</summary>
    public static ServiceBusMessage ToServiceBusMessage(OutgoingQueueMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mapped = new ServiceBusMessage(BinaryData.FromString(message.Body))
        {
            ContentType = LooksLikeJson(message.Body) ? "application/json" : "text/plain",
        };
        if (!string.IsNullOrEmpty(message.Id))
        {
            mapped.MessageId = message.Id;
        }
        if (!string.IsNullOrEmpty(message.CorrelationId))
        {
            mapped.CorrelationId = message.CorrelationId;
        }
        if (message.Delay is { } delay && delay > TimeSpan.Zero)
        {
            mapped.ScheduledEnqueueTime = now + delay;
        }
        if (message.PriorDeliveries > 0)
        {
            mapped.ApplicationProperties[QueueMessageProperties.PriorDeliveries] = message.PriorDeliveries;
        }
        return mapped;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in _senders.Values)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }
        _senders.Clear();
    }

    // Senders are thread-safe and hold an AMQP link each: one per queue for the process's life.
    private ServiceBusSender SenderFor(string queueName) => _senders.GetOrAdd(queueName, static (queue, client) => client.CreateSender(queue), _client);

    private async Task SendAndDisposeAsync(ServiceBusSender sender, ServiceBusMessageBatch batch, CancellationToken cancellationToken)
    {
        using (batch)
        {
            Log.SendingBatch(_logger, batch.Count, sender.EntityPath);
            await sender.SendMessagesAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool LooksLikeJson(string body)
    {
        var trimmed = body.AsSpan().Trim();
        return trimmed.Length >= 2 && (trimmed[0] == '{' && trimmed[^1] == '}' || trimmed[0] == '[' && trimmed[^1] == ']');
    }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending a batch of {Count} message(s) to Service Bus queue {QueueName}")]
    public static partial void SendingBatch(ILogger logger, int count, string queueName);
}
