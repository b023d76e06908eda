using System.Diagnostics;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues.StorageQueues;
using SmsFunctions.Testing;

namespace SmsFunctions.Queues.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class StorageQueueTransportTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StorageQueueTransport CreateTransport() =>
        new(Options.Create(new StorageQueueTransportOptions { ConnectionString = azurite.ConnectionString }));

    private string NewQueue() => azurite.UniqueName("q");

    public static TheoryData<string> Bodies => new()
    {
        "hello",
        "Ciao, è già l'ora — 你好 🙂 Привет «ok»",
        """{"id":"not-the-id","body":"not-the-body"}""",
        new string('x', 40 * 1024),
        string.Concat(Enumerable.Repeat("è€", 7 * 1024)), // 35 KiB of UTF-8, no ASCII
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Send_receive_complete_round_trip_preserves_id_body_and_correlation(string body)
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        var sent = new OutgoingQueueMessage("our-id-" + Guid.NewGuid().ToString("N"), body, CorrelationId: "corr-1");

        await transport.SendAsync(queue, sent, Ct);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 32, Visibility, Ct));

        Assert.Equal(queue, received.QueueName);
        Assert.Equal(sent.Id, received.Id);
        Assert.Equal(body, received.Body);
        Assert.Equal("corr-1", received.CorrelationId);
        Assert.Equal(1, received.DeliveryCount);
        Assert.NotNull(received.EnqueuedAt);

        await transport.CompleteAsync(received, Ct);
        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task A_resent_message_counts_its_prior_deliveries()
    {
        var transport = CreateTransport();
        var queue = NewQueue();

        await transport.SendAsync(queue, new OutgoingQueueMessage("again~r1", "b") { PriorDeliveries = 3 }, Ct);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 32, Visibility, Ct));

        Assert.Equal(("again~r1", "b", 4), (received.Id, received.Body, received.DeliveryCount));
    }

    [Fact]
    public async Task Messages_are_stored_base64_encoded_as_functions_queue_triggers_expect()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("id-1", "è"), Ct);

        var plain = new QueueClient(azurite.ConnectionString, queue, new QueueClientOptions(QueueClientOptions.ServiceVersion.V2025_11_05));
        var peeked = Assert.Single((await plain.PeekMessagesAsync(1, Ct)).Value);

        var stored = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(peeked.Body.ToString()));
        Assert.Equal("""{"id":"id-1","body":"è"}""", stored);
    }

    [Fact]
    public async Task A_body_that_is_not_an_envelope_is_received_whole_with_the_storage_message_id()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        var foreign = new QueueClient(azurite.ConnectionString, queue, StorageQueueTransport.CreateClientOptions());
        await foreign.CreateIfNotExistsAsync(cancellationToken: Ct);
        var plainText = (await foreign.SendMessageAsync("plain text from elsewhere", Ct)).Value;
        var otherJson = (await foreign.SendMessageAsync("""{"id":"x","body":"y","extra":1}""", Ct)).Value;

        var received = (await transport.ReceiveAsync(queue, 32, Visibility, Ct)).OrderBy(m => m.Body, StringComparer.Ordinal).ToList();

        Assert.Equal(2, received.Count);
        Assert.Equal(otherJson.MessageId, received[1].Id);
        Assert.Equal("""{"id":"x","body":"y","extra":1}""", received[1].Body);
        Assert.Equal(plainText.MessageId, received[0].Id);
        Assert.Equal("plain text from elsewhere", received[0].Body);
        Assert.Null(received[0].CorrelationId);
    }

    [Fact]
    public async Task Delayed_send_is_not_visible_before_its_delay()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        var delay = TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();

        await transport.SendAsync(queue, new OutgoingQueueMessage("later", "x", Delay: delay), Ct);
        Assert.Empty(await transport.ReceiveAsync(queue, 32, Visibility, Ct));

        var received = await ReceiveEventuallyAsync(transport, queue);
        // Visibility is kept by the service in whole seconds; allow for its clock granularity.
        Assert.True(clock.Elapsed >= delay - TimeSpan.FromSeconds(1), $"visible after {clock.Elapsed}");
        Assert.Equal("later", received.Id);
    }

    [Fact]
    public async Task Abandon_with_delay_makes_it_reappear_with_delivery_count_2()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("again", "payload"), Ct);
        var first = Assert.Single(await transport.ReceiveAsync(queue, 1, Visibility, Ct));

        await transport.AbandonAsync(first, TimeSpan.FromSeconds(1), Ct);
        var second = await ReceiveEventuallyAsync(transport, queue);

        Assert.Equal(2, second.DeliveryCount);
        Assert.Equal("again", second.Id);
        Assert.Equal("payload", second.Body);
        Assert.NotEqual(first.Receipt, second.Receipt);
    }

    [Fact]
    public async Task Abandon_without_delay_makes_it_visible_at_once()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("now", "x"), Ct);
        var first = Assert.Single(await transport.ReceiveAsync(queue, 1, Visibility, Ct));

        await transport.AbandonAsync(first, TimeSpan.Zero, Ct);

        var second = Assert.Single(await transport.ReceiveAsync(queue, 1, Visibility, Ct));
        Assert.Equal(2, second.DeliveryCount);
    }

    [Fact]
    public async Task A_renewed_message_stays_invisible_and_completes_with_its_new_receipt()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("long-" + Guid.NewGuid().ToString("N"), "b"), Ct);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(1), Ct));

        var renewed = await ((IQueueReceiver)transport).RenewAsync(received, Visibility, Ct);
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct); // past the first visibility timeout

        Assert.Empty(await transport.ReceiveAsync(queue, 32, Visibility, Ct));
        Assert.NotEqual(received.Receipt, renewed.Receipt);
        Assert.Equal((received.Id, received.Body), (renewed.Id, renewed.Body));
        await transport.CompleteAsync(renewed, Ct);
        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task Complete_twice_is_harmless()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("once", "x"), Ct);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, Visibility, Ct));

        await transport.CompleteAsync(received, Ct);
        await transport.CompleteAsync(received, Ct);
        await transport.AbandonAsync(received, TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task Completing_with_a_stale_receipt_is_harmless_and_leaves_the_message_to_its_new_owner()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendAsync(queue, new OutgoingQueueMessage("contended", "x"), Ct);
        var stale = Assert.Single(await transport.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1), Ct));
        var current = await ReceiveEventuallyAsync(transport, queue); // its lease ran out; someone else has it now

        await transport.CompleteAsync(stale, Ct);
        await transport.AbandonAsync(stale, TimeSpan.Zero, Ct);
        Assert.Empty(await transport.ReceiveAsync(queue, 32, Visibility, Ct)); // still leased to the new owner

        await transport.CompleteAsync(current, Ct);
        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task Receive_returns_at_most_32()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        await transport.SendBatchAsync(queue, [.. Enumerable.Range(0, 40).Select(i => new OutgoingQueueMessage($"m{i}", "x"))], Ct);

        var received = await transport.ReceiveAsync(queue, 100, Visibility, Ct);

        Assert.Equal(32, received.Count);
        Assert.Equal(32, received.Select(m => m.Id).Distinct().Count());
    }

    [Fact]
    public async Task Batch_send_of_250_delivers_every_message_once()
    {
        var transport = CreateTransport();
        var queue = NewQueue();
        var sent = Enumerable.Range(0, 250).Select(i => new OutgoingQueueMessage($"m{i}", $"body {i} è")).ToList();

        await transport.SendBatchAsync(queue, sent, Ct);
        Assert.Equal(250, await transport.GetApproximateCountAsync(queue, Ct));

        var received = new List<ReceivedQueueMessage>();
        while (true)
        {
            var page = await transport.ReceiveAsync(queue, 32, Visibility, Ct);
            if (page.Count == 0)
            {
                break;
            }
            received.AddRange(page);
            await Task.WhenAll(page.Select(m => transport.CompleteAsync(m, Ct)));
        }
        Assert.Equal(sent.Select(m => (m.Id, m.Body)).OrderBy(x => x.Id, StringComparer.Ordinal), received.Select(m => (m.Id, m.Body)).OrderBy(x => x.Id, StringComparer.Ordinal));
        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task A_message_over_the_64_KiB_limit_is_refused_before_anything_is_sent()
    {
        var transport = CreateTransport();
        var queue = NewQueue();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => transport.SendBatchAsync(
            queue, [new OutgoingQueueMessage("ok", "x"), new OutgoingQueueMessage("big", new string('x', 49 * 1024))], Ct));

        Assert.Contains("big", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await transport.GetApproximateCountAsync(queue, Ct));
    }

    [Fact]
    public async Task A_delay_over_7_days_is_refused()
    {
        var transport = CreateTransport();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            transport.SendAsync(NewQueue(), new OutgoingQueueMessage("x", "x", Delay: TimeSpan.FromDays(8)), Ct));
    }

    [Fact]
    public async Task A_delay_of_exactly_7_days_is_accepted()
    {
        var transport = CreateTransport();
        var queue = NewQueue();

        await transport.SendAsync(queue, new OutgoingQueueMessage("week", "x", Delay: TimeSpan.FromDays(7)), Ct);

        Assert.Equal(1, await transport.GetApproximateCountAsync(queue, Ct));
        Assert.Empty(await transport.ReceiveAsync(queue, 32, Visibility, Ct));
    }

    private static async Task<ReceivedQueueMessage> ReceiveEventuallyAsync(StorageQueueTransport transport, string queue)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < PollTimeout)
        {
            var page = await transport.ReceiveAsync(queue, 1, Visibility, Ct);
            if (page.Count > 0)
            {
                return page[0];
            }
            await Task.Delay(100, Ct); // polling interval, not synchronisation: the assertion is on what comes back
        }
        throw new TimeoutException($"Nothing became visible on {queue} within {PollTimeout}.");
    }
}
