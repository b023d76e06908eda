using Azure.Messaging.ServiceBus;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.Queues.Tests;

/// <summary>The broker's dead-letter sub-queue through the SDK, against a scripted receiver and administration client.</summary>
public sealed class ServiceBusDeadLetterQueueTests : IAsyncDisposable
{
    private const string Queue = QueueNames.Callbacks;
    private static readonly DateTimeOffset Enqueued = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);
    private readonly FakeServiceBusClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static ServiceBusReceivedMessage DeadLetter(string messageId, long sequence, string body) => ServiceBusModelFactory.ServiceBusReceivedMessage(
        body: BinaryData.FromString(body),
        messageId: messageId,
        correlationId: "corr-" + sequence,
        properties: new Dictionary<string, object>
        {
            ["DeadLetterReason"] = "MaxDeliveryCountExceeded",
            ["DeadLetterErrorDescription"] = "Message could not be consumed after 10 delivery attempts.",
        },
        deliveryCount: 10,
        sequenceNumber: sequence,
        enqueuedTime: Enqueued);

    private ServiceBusDeadLetterQueue Create(FakeDeadLetterReceiver receiver, long? count = 0)
    {
        _client.DeadLetters = receiver;
        return new ServiceBusDeadLetterQueue(_client, new FakeAdministrationClient(count));
    }

    [Fact]
    public async Task Replay_sends_each_dead_letter_back_under_a_derived_id_then_completes_it()
    {
        var receiver = new FakeDeadLetterReceiver(DeadLetter("cb-1", 31, """{"a":1}"""), DeadLetter("cb-2", 32, "two"));
        var dlq = Create(receiver);
        var target = new RecordingSender();

        var result = await dlq.ReplayAsync(Queue, 10, target, Ct);

        Assert.Equal(new DeadLetterReplay(2, 0), result);
        Assert.Equal([(Queue, "cb-1~d31", """{"a":1}""", "corr-31"), (Queue, "cb-2~d32", "two", "corr-32")],
            target.Sent.Select(s => (s.Queue, s.Message.Id, s.Message.Body, s.Message.CorrelationId)));
        Assert.Equal(["cb-1", "cb-2"], receiver.Completed.Select(m => m.MessageId));
        var (queue, options) = Assert.Single(_client.ReceiversCreated);
        Assert.Equal((Queue, SubQueue.DeadLetter, ServiceBusReceiveMode.PeekLock), (queue, options.SubQueue, options.ReceiveMode));
    }

    [Fact]
    public async Task Replay_stops_at_the_limit()
    {
        var receiver = new FakeDeadLetterReceiver(DeadLetter("a", 1, "x"), DeadLetter("b", 2, "y"), DeadLetter("c", 3, "z"));
        var target = new RecordingSender();

        var result = await Create(receiver).ReplayAsync(Queue, 2, target, Ct);

        Assert.Equal(new DeadLetterReplay(2, 0), result);
        Assert.Equal(["a", "b"], receiver.Completed.Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_failed_send_abandons_the_dead_letter_and_stops()
    {
        var receiver = new FakeDeadLetterReceiver(DeadLetter("cb-1", 31, "x"), DeadLetter("cb-2", 32, "y"));
        var target = new RecordingSender { Fail = true };

        var result = await Create(receiver).ReplayAsync(Queue, 10, target, Ct);

        Assert.Equal(new DeadLetterReplay(0, 1), result);
        Assert.Empty(receiver.Completed);
        Assert.Equal(["cb-1"], receiver.Abandoned.Select(m => m.MessageId));
    }

    [Fact]
    public async Task Peek_lists_with_the_brokers_reason_without_locking_anything()
    {
        var receiver = new FakeDeadLetterReceiver(DeadLetter("cb-1", 31, "x"), DeadLetter("cb-2", 32, "y"));

        var listed = await Create(receiver).PeekAsync(Queue, 1, Ct);

        var entry = Assert.Single(listed);
        Assert.Equal(
            new DeadLetteredMessage(Queue, DeadLetterSources.ServiceBus, "cb-1", "x", 10, "MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.", Enqueued, "corr-31"),
            entry);
        Assert.Equal(1, receiver.Peeks);
        Assert.Empty(receiver.Completed);
        Assert.Empty(receiver.Abandoned);
    }

    [Fact]
    public async Task The_count_is_the_queues_runtime_property_and_unknown_without_the_manage_right()
    {
        var known = new ServiceBusDeadLetterQueue(_client, new FakeAdministrationClient(7));
        var unknown = new ServiceBusDeadLetterQueue(_client, new FakeAdministrationClient(null));

        Assert.Equal(7, await known.CountAsync(Queue, Ct));
        Assert.Null(await unknown.CountAsync(Queue, Ct));
    }

    private sealed class RecordingSender : IQueueSender
    {
        public bool Fail { get; init; }

        public List<(string Queue, OutgoingQueueMessage Message)> Sent { get; } = [];

        public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new InvalidOperationException("the queue refused it");
            }
            Sent.Add((queueName, message));
            return Task.CompletedTask;
        }

        public Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default) =>
            Task.WhenAll(messages.Select(m => SendAsync(queueName, m, cancellationToken)));
    }
}
