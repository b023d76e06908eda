using Microsoft.Extensions.Options;
using SmsFunctions.Queues.DeadLetters;
using SmsFunctions.Queues.StorageQueues;
using SmsFunctions.Testing;

namespace SmsFunctions.Queues.Tests;

/// <summary>Our dead-letter record on Azurite: a given-up message goes to <c>{queue}-poison</c> with its deliveries and
/// reason, is counted and listed there, and a replay puts it back on its queue with a fresh delivery count.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StoragePoisonQueuesTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StorageQueueTransport Transport() =>
        new(Options.Create(new StorageQueueTransportOptions { ConnectionString = azurite.ConnectionString }));

    private StoragePoisonQueues Poison() =>
        new(StorageQueueTransport.CreateServiceClient(new StorageQueueTransportOptions { ConnectionString = azurite.ConnectionString }));

    private static ReceivedQueueMessage GivenUp(string queue, string id, int deliveries = 5) =>
        new(queue, id, """{"messageId":"m-1"}""", deliveries, "receipt", DateTimeOffset.UtcNow, "corr-1");

    [Fact]
    public async Task A_queue_with_nothing_given_up_counts_zero_and_lists_nothing()
    {
        var poison = Poison();
        var queue = azurite.UniqueName("q");

        Assert.Equal(0, await poison.CountAsync(queue, Ct));
        Assert.Empty(await poison.PeekAsync(queue, 10, Ct));
        Assert.Equal(new DeadLetterReplay(0, 0), await poison.ReplayAsync(queue, 10, Transport(), Ct));
    }

    [Fact]
    public async Task A_recorded_message_is_counted_listed_with_its_reason_and_replayed_with_a_fresh_count()
    {
        var poison = Poison();
        var transport = Transport();
        var queue = azurite.UniqueName("q");

        await poison.RecordAsync(GivenUp(queue, "abc~r4"), "InvalidOperationException: carrier down (delivery 5 of 5)", Ct);

        Assert.Equal(1, await poison.CountAsync(queue, Ct));
        var letter = Assert.Single(await poison.PeekAsync(queue, 10, Ct));
        Assert.Equal((queue, DeadLetterSources.Poison, "abc~r4", """{"messageId":"m-1"}""", 5, "corr-1"),
            (letter.QueueName, letter.Source, letter.Id, letter.Body, letter.DeliveryCount, letter.CorrelationId));
        Assert.Equal("InvalidOperationException: carrier down (delivery 5 of 5)", letter.Reason);
        Assert.NotNull(letter.DeadLetteredAt);
        Assert.Equal(1, await poison.CountAsync(queue, Ct)); // listing takes nothing away

        var replay = await poison.ReplayAsync(queue, 10, transport, Ct);

        Assert.Equal(new DeadLetterReplay(1, 0), replay);
        Assert.Equal(0, await poison.CountAsync(queue, Ct));
        var back = Assert.Single(await transport.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30), Ct));
        Assert.StartsWith("abc~r4~d", back.Id, StringComparison.Ordinal);
        Assert.Equal(("""{"messageId":"m-1"}""", 1, "corr-1"), (back.Body, back.DeliveryCount, back.CorrelationId));
    }

    [Fact]
    public async Task Replay_takes_at_most_the_limit_and_a_failed_send_leaves_the_entry_in_place()
    {
        var poison = Poison();
        var queue = azurite.UniqueName("q");
        for (var i = 0; i < 3; i++)
        {
            await poison.RecordAsync(GivenUp(queue, $"m{i}"), "boom", Ct);
        }

        Assert.Equal(new DeadLetterReplay(2, 0), await poison.ReplayAsync(queue, 2, Transport(), Ct));
        Assert.Equal(1, await poison.CountAsync(queue, Ct));

        var failing = new FailingSender();
        Assert.Equal(new DeadLetterReplay(0, 1), await poison.ReplayAsync(queue, 10, failing, Ct));
        Assert.Equal(1, failing.Attempts);
        Assert.Equal(1, await poison.CountAsync(queue, Ct)); // still recorded (invisible for a minute, then listed again)
    }

    [Fact]
    public async Task A_long_reason_is_clipped_so_the_entry_still_fits()
    {
        var poison = Poison();
        var queue = azurite.UniqueName("q");

        await poison.RecordAsync(GivenUp(queue, "long"), new string('x', 20_000), Ct);

        var letter = Assert.Single(await poison.PeekAsync(queue, 1, Ct));
        Assert.Equal(StoragePoisonQueues.MaxReasonLength + 1, letter.Reason!.Length);
    }

    private sealed class FailingSender : IQueueSender
    {
        public int Attempts;

        public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Attempts);
            throw new HttpRequestException("transport down");
        }

        public Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("transport down");
    }
}
