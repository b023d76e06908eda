using System.Collections.Concurrent;
using System.Globalization;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmsFunctions.Queues.DeadLetters;

/// <summary>
/// A Service Bus queue's dead-letter sub-queue, <c>{queue}/$DeadLetterQueue</c>, through the SDK: listing peeks
/// (no lock, nothing changes), replay receives in peek-lock mode, sends the copy back and completes the original only
/// after that send succeeded. The count comes from the queue's runtime properties, which need the Manage right (Azure
/// Service Bus Data Owner): without it the count is null ("unknown") and listing/replay still work with Data Receiver +
/// Data Sender.
/// </summary>
public sealed partial class ServiceBusDeadLetterQueue : IDeadLetterSource
{
    /// <summary>How long a replay waits for the next dead letter before it calls the sub-queue empty.</summary>
    public static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(1);

    private readonly ServiceBusClient _client;
    private readonly ServiceBusAdministrationClient _administration;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _countUnavailableLogged = new(StringComparer.Ordinal);

    public ServiceBusDeadLetterQueue(ServiceBusClient client, ServiceBusAdministrationClient administration, ILogger<ServiceBusDeadLetterQueue>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _administration = administration ?? throw new ArgumentNullException(nameof(administration));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Name => DeadLetterSources.ServiceBus;

    public async Task<int?> CountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        try
        {
            var properties = await _administration.GetQueueRuntimePropertiesAsync(queueName, cancellationToken).ConfigureAwait(false);
            return (int)Math.Min(int.MaxValue, properties.Value.DeadLetterMessageCount);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or ServiceBusException or Azure.RequestFailedException)
        {
            if (_countUnavailableLogged.TryAdd(queueName, 0))
            {
                LogCountUnavailable(_logger, ex, queueName); // once per queue: the gauge asks every minute
            }
            return null;
        }
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        await using var receiver = CreateReceiver(queueName);
        var peeked = await receiver.PeekMessagesAsync(maxMessages, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. peeked.Select(m => ToDeadLettered(queueName, m))];
    }

    public async Task<DeadLetterReplay> ReplayAsync(string queueName, int maxMessages, IQueueSender target, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentNullException.ThrowIfNull(target);
        await using var receiver = CreateReceiver(queueName);
        var replayed = 0;
        while (replayed < maxMessages)
        {
            var entry = await receiver.ReceiveMessageAsync(ReceiveWait, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                break;
            }
            var message = ToDeadLettered(queueName, entry);
            try
            {
                var id = ReplayMessageId.For(message.Id, entry.SequenceNumber.ToString(CultureInfo.InvariantCulture));
                await target.SendAsync(queueName, new OutgoingQueueMessage(id, message.Body, null, message.CorrelationId), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogReplaySendFailed(_logger, ex, queueName, message.Id);
                await SettleAsync(() => receiver.AbandonMessageAsync(entry, cancellationToken: CancellationToken.None), "abandon", message).ConfigureAwait(false);
                return new DeadLetterReplay(replayed, 1); // the next receive would likely be the same entry: stop here
            }
            // Sent: complete it. If completing fails the lock runs out and a later replay sends the same derived id,
            // which duplicate detection drops.
            await SettleAsync(() => receiver.CompleteMessageAsync(entry, CancellationToken.None), "complete", message).ConfigureAwait(false);
            replayed++;
        }
        return new DeadLetterReplay(replayed, 0);
    }

    private ServiceBusReceiver CreateReceiver(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        return _client.CreateReceiver(queueName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter, ReceiveMode = ServiceBusReceiveMode.PeekLock });
    }

    private static DeadLetteredMessage ToDeadLettered(string queueName, ServiceBusReceivedMessage message)
    {
        var reason = string.IsNullOrEmpty(message.DeadLetterReason) ? null : message.DeadLetterReason;
        var description = string.IsNullOrEmpty(message.DeadLetterErrorDescription) ? null : message.DeadLetterErrorDescription;
        var why = reason is null ? description : description is null ? reason : $"{reason}: {description}";
        var id = string.IsNullOrEmpty(message.MessageId) ? message.SequenceNumber.ToString(CultureInfo.InvariantCulture) : message.MessageId;
        var correlationId = string.IsNullOrEmpty(message.CorrelationId) ? null : message.CorrelationId;
        return new DeadLetteredMessage(queueName, DeadLetterSources.ServiceBus, id, message.Body.ToString(), message.DeliveryCount, why, message.EnqueuedTime, correlationId);
    }

    private async Task SettleAsync(Func<Task> settle, string action, DeadLetteredMessage message)
    {
        try
        {
            await settle().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServiceBusException or UnauthorizedAccessException or OperationCanceledException)
        {
            LogSettleFailed(_logger, ex, action, message.QueueName, message.Id); // the lock runs out by itself
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The dead-letter count of Service Bus queue {QueueName} is unknown: reading its runtime properties failed (it needs the Manage right, Azure Service Bus Data Owner)")]
    private static partial void LogCountUnavailable(ILogger logger, Exception exception, string queueName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying dead letter {MessageId} of {QueueName}: the send failed; it stays in the dead-letter queue")]
    private static partial void LogReplaySendFailed(ILogger logger, Exception exception, string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {Action} dead letter {MessageId} of {QueueName}; its lock runs out by itself")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string action, string queueName, string messageId);
}
