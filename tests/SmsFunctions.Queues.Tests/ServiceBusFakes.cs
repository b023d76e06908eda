using System.Collections.Concurrent;
using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;

// The fakes hold no connection: the base classes' DisposeAsync would close links that were never opened.
#pragma warning disable CA2215

namespace SmsFunctions.Queues.Tests;

/// <summary>A <see cref="ServiceBusClient"/> that hands out <see cref="FakeServiceBusSender"/>s and a scripted
/// dead-letter receiver, since no Service Bus can run here.</summary>
internal sealed class FakeServiceBusClient : ServiceBusClient
{
    public ConcurrentDictionary<string, FakeServiceBusSender> Senders { get; } = new(StringComparer.Ordinal);

    /// <summary>Byte budget of each batch the fake senders create, as the link's max message size would be.</summary>
    public long BatchSizeBytes { get; set; } = 256 * 1024;

    public Func<ServiceBusMessage, int, Exception?> Fail { get; set; } = (_, _) => null;

    public FakeDeadLetterReceiver? DeadLetters { get; set; }

    public List<(string Queue, ServiceBusReceiverOptions Options)> ReceiversCreated { get; } = [];

    public override string FullyQualifiedNamespace => "fake.servicebus.windows.net";

    public override ServiceBusSender CreateSender(string queueOrTopicName) =>
        Senders.GetOrAdd(queueOrTopicName, q => new FakeServiceBusSender(this, q));

    public override ServiceBusReceiver CreateReceiver(string queueName, ServiceBusReceiverOptions options)
    {
        ReceiversCreated.Add((queueName, options));
        return DeadLetters ?? throw new InvalidOperationException("No dead-letter receiver scripted.");
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Records what would go on the wire: single messages and batches, in order.</summary>
internal sealed class FakeServiceBusSender(FakeServiceBusClient client, string queue) : ServiceBusSender
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ServiceBusMessageBatch, List<ServiceBusMessage>> _batchStores = new();
    private int _sends;

    /// <summary>Each send call's messages (a single send is a list of one).</summary>
    public List<IReadOnlyList<ServiceBusMessage>> Sends { get; } = [];

    public int BatchesCreated { get; private set; }

    public override string EntityPath => queue;

    public override string FullyQualifiedNamespace => client.FullyQualifiedNamespace;

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default) => Record([message]);

    public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default) => Record([.. messages]);

    public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default)
    {
        BatchesCreated++;
        var store = new List<ServiceBusMessage>();
        long used = 0;
        var batch = ServiceBusModelFactory.ServiceBusMessageBatch(client.BatchSizeBytes, store, tryAddCallback: message =>
        {
            var size = message.Body.ToMemory().Length + 64; // roughly the AMQP envelope
            if (used + size > client.BatchSizeBytes)
            {
                return false;
            }
            used += size;
            return true;
        });
        _batchStores.Add(batch, store); // the model factory's batch fills the store it was given
        return ValueTask.FromResult(batch);
    }

    public override Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default) =>
        Record(_batchStores.TryGetValue(messageBatch, out var store) ? [.. store] : []);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task Record(IReadOnlyList<ServiceBusMessage> messages)
    {
        var n = Interlocked.Increment(ref _sends);
        if (client.Fail(messages[0], n) is { } failure)
        {
            return Task.FromException(failure);
        }
        Sends.Add(messages);
        return Task.CompletedTask;
    }
}

/// <summary>A dead-letter sub-queue: peek returns without locking; receive locks in order; abandon puts back.</summary>
internal sealed class FakeDeadLetterReceiver(params ServiceBusReceivedMessage[] entries) : ServiceBusReceiver
{
    private readonly List<ServiceBusReceivedMessage> _available = [.. entries];

    public List<ServiceBusReceivedMessage> Completed { get; } = [];

    public List<ServiceBusReceivedMessage> Abandoned { get; } = [];

    public int Peeks { get; private set; }

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekMessagesAsync(int maxMessages, long? fromSequenceNumber = null, CancellationToken cancellationToken = default)
    {
        Peeks++;
        return Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>([.. _available.Take(maxMessages)]);
    }

    public override Task<ServiceBusReceivedMessage> ReceiveMessageAsync(TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        if (_available.Count == 0)
        {
            return Task.FromResult<ServiceBusReceivedMessage>(null!);
        }
        var next = _available[0];
        _available.RemoveAt(0);
        return Task.FromResult(next);
    }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Completed.Add(message);
        return Task.CompletedTask;
    }

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        Abandoned.Add(message);
        _available.Insert(0, message);
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Answers a queue's runtime properties, or refuses like a caller without the Manage right.</summary>
internal sealed class FakeAdministrationClient(long? deadLetters) : ServiceBusAdministrationClient
{
    public int Calls { get; private set; }

    public override Task<Response<QueueRuntimeProperties>> GetQueueRuntimePropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        Calls++;
        if (deadLetters is not { } count)
        {
            throw new UnauthorizedAccessException("Manage claim is required for this operation.");
        }
        var properties = ServiceBusModelFactory.QueueRuntimeProperties(name, deadLetterMessageCount: count);
        return Task.FromResult(Response.FromValue(properties, null!));
    }
}
