using System.Collections.Concurrent;
using System.Threading.Channels;
using SmsFunctions.Queues;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.App.Tests.Triggers.Fakes;

/// <summary>What happened to a received message: completed, or abandoned with a delay.</summary>
public sealed record Settlement(string Kind, ReceivedQueueMessage Message, TimeSpan? Delay)
{
    public const string Completed = "completed";
    public const string Abandoned = "abandoned";
}

/// <summary>
/// A deterministic in-memory queue transport. Messages are received in order; every complete/abandon is published on
/// <see cref="Settlements"/> so tests wait on events, never on time. Abandoned messages can be put back at once (delay
/// ignored) with their delivery count raised, as a real queue would after the delay.
/// </summary>
public sealed class InMemoryQueues : IQueueReceiver, IQueueSender, IDeadLetterRecorder, IDeadLetterSource
{
    private readonly ConcurrentQueue<(ReceivedQueueMessage Message, string Reason)> _deadLettered = new();

    /// <summary>Messages recorded as dead letters (given up on), in order.</summary>
    public IReadOnlyList<(ReceivedQueueMessage Message, string Reason)> DeadLettered => [.. _deadLettered];

    /// <summary>When set, recording a dead letter throws this.</summary>
    public Exception? RecordFailure { get; set; }

    public string Name => DeadLetterSources.Poison;

    public Task RecordAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken = default)
    {
        if (RecordFailure is { } failure)
        {
            throw failure;
        }
        _deadLettered.Enqueue((message, reason));
        return Task.CompletedTask;
    }

    public Task<int?> CountAsync(string queueName, CancellationToken cancellationToken = default) =>
        Task.FromResult<int?>(_deadLettered.Count(d => d.Message.QueueName == queueName));

    public Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeadLetteredMessage>>([.. _deadLettered.Where(d => d.Message.QueueName == queueName).Take(maxMessages)
            .Select(d => new DeadLetteredMessage(queueName, Name, d.Message.Id, d.Message.Body, d.Message.DeliveryCount, d.Reason, null, d.Message.CorrelationId))]);

    public Task<DeadLetterReplay> ReplayAsync(string queueName, int maxMessages, IQueueSender target, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Replay is tested against the Storage poison queues.");

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedList<ReceivedQueueMessage>> _queues = new(StringComparer.Ordinal);
    private readonly Channel<Settlement> _settlements = Channel.CreateUnbounded<Settlement>();

    public bool RedeliverAbandoned { get; init; }

    /// <summary>When set, sends throw this (host-mode re-send failure).</summary>
    public Exception? SendFailure { get; set; }

    public ChannelReader<Settlement> Settlements => _settlements.Reader;

    public ConcurrentQueue<(string QueueName, OutgoingQueueMessage Message)> Sent { get; } = new();

    public ConcurrentQueue<(string QueueName, int MaxMessages)> Receives { get; } = new();

    public void Enqueue(string queueName, string id, string body = "{}", int deliveryCount = 1, DateTimeOffset? enqueuedAt = null)
    {
        lock (_gate)
        {
            Queue(queueName).AddLast(new ReceivedQueueMessage(queueName, id, body, deliveryCount, string.Empty, enqueuedAt ?? DateTimeOffset.UtcNow));
        }
    }

    public int Count(string queueName)
    {
        lock (_gate)
        {
            return Queue(queueName).Count;
        }
    }

    public Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Receives.Enqueue((queueName, maxMessages));
        var received = new List<ReceivedQueueMessage>();
        lock (_gate)
        {
            var queue = Queue(queueName);
            while (received.Count < maxMessages && queue.First is { } first)
            {
                queue.RemoveFirst();
                received.Add(first.Value with { Receipt = Guid.NewGuid().ToString("N") });
            }
        }
        return Task.FromResult<IReadOnlyList<ReceivedQueueMessage>>(received);
    }

    public Task CompleteAsync(ReceivedQueueMessage message, CancellationToken cancellationToken = default)
    {
        _settlements.Writer.TryWrite(new Settlement(Settlement.Completed, message, null));
        return Task.CompletedTask;
    }

    public Task AbandonAsync(ReceivedQueueMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (RedeliverAbandoned)
        {
            lock (_gate)
            {
                Queue(message.QueueName).AddLast(message with { DeliveryCount = message.DeliveryCount + 1 });
            }
        }
        _settlements.Writer.TryWrite(new Settlement(Settlement.Abandoned, message, delay));
        return Task.CompletedTask;
    }

    /// <summary>Every visibility renewal: the message as renewed (its receipt before) and the new timeout.</summary>
    public ConcurrentQueue<(ReceivedQueueMessage Message, TimeSpan Visibility)> Renewals { get; } = new();

    public Task<ReceivedQueueMessage> RenewAsync(ReceivedQueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        Renewals.Enqueue((message, visibilityTimeout));
        return Task.FromResult(message with { Receipt = Guid.NewGuid().ToString("N") });
    }

    public Task<int?> GetApproximateCountAsync(string queueName, CancellationToken cancellationToken = default) =>
        Task.FromResult<int?>(Count(queueName));

    public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
    {
        if (SendFailure is { } failure)
        {
            throw failure;
        }
        Sent.Enqueue((queueName, message));
        return Task.CompletedTask;
    }

    public async Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            await SendAsync(queueName, message, cancellationToken);
        }
    }

    private LinkedList<ReceivedQueueMessage> Queue(string queueName)
    {
        if (!_queues.TryGetValue(queueName, out var queue))
        {
            queue = new LinkedList<ReceivedQueueMessage>();
            _queues[queueName] = queue;
        }
        return queue;
    }
}
