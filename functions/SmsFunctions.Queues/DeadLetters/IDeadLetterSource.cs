namespace SmsFunctions.Queues.DeadLetters;

/// <summary>A place where messages that exceeded their deliveries wait to be reported and replayed.</summary>
public interface IDeadLetterSource
{
    /// <summary><see cref="DeadLetterSources.Poison"/> or <see cref="DeadLetterSources.ServiceBus"/>.</summary>
    string Name { get; }

    /// <summary>How many messages of <paramref name="queueName"/> are dead-lettered; null when the source cannot tell.</summary>
    Task<int?> CountAsync(string queueName, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxMessages"/> of them, oldest first, without taking them away.</summary>
    Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>Sends up to <paramref name="maxMessages"/> of them back to <paramref name="queueName"/> through
    /// <paramref name="target"/> with a fresh delivery count, removing each only after its send succeeded (at least
    /// once: handlers are idempotent). The replayed copy has a derived id (<see cref="ReplayMessageId"/>), so Service
    /// Bus duplicate detection neither drops it as the original nor lets a repeated replay of the same entry through.</summary>
    Task<DeadLetterReplay> ReplayAsync(string queueName, int maxMessages, IQueueSender target, CancellationToken cancellationToken = default);
}

/// <summary>Records a message the trigger runtime gives up on, so that it is reported and can be replayed.</summary>
public interface IDeadLetterRecorder
{
    Task RecordAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken = default);
}

/// <summary>The id of a replayed dead letter: <c>{id}~d{entry}</c>, the entry being the dead-letter store's own id of
/// that copy (storage message id, Service Bus sequence number).</summary>
public static class ReplayMessageId
{
    public static string For(string id, string entry)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(entry);
        var compact = entry.Replace("-", string.Empty, StringComparison.Ordinal);
        return id + "~d" + (compact.Length > 12 ? compact[..12] : compact);
    }
}
