using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>The stamp's group commits live only while their partition has stamps in flight: a long-running process
/// that stamps messages of every ~4 s bucket of every account must not keep a group per bucket forever.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessageStampTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task GroupsOfDrainedPartitionsAreRemovedSoTheirNumberStaysBounded()
    {
        var tables = await app.FreshTablesAsync("stamp");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var store = new MessageStore(tables);
        var stamp = new MessageStamp(store, new MessageHeaderCache(store, clock), clock);
        const int Buckets = 40;

        var headers = new List<MessageEntity>();
        for (var i = 0; i < Buckets; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5)); // each message in a bucket (partition) of its own
            var id = MessageId.New(clock);
            var row = new MessageEntity { PartitionKey = MessageEntity.PartitionKeyOf("acc_stamp", id), RowKey = id, State = "QUEUED", RecipientCount = 1 };
            var added = await tables.Messages.AddEntityAsync(row, Ct);
            row.ETag = added.Headers.ETag!.Value;
            headers.Add(row);
        }
        Assert.Equal(Buckets, headers.Select(h => h.PartitionKey).Distinct().Count());

        // In waves, as a dispatcher would: at most a wave's partitions are busy at once.
        foreach (var wave in headers.Chunk(8))
        {
            await Task.WhenAll(wave.Select(h => stamp.ApplyAsync(h, [new CallbackEvent("acc_stamp", h.Id, "+393331234567", "SENT", clock.GetUtcNow())], Ct)));
            Assert.Equal(0, stamp.LiveGroups);
        }

        // The stamps were written (the groups did their work before going away).
        foreach (var header in headers)
        {
            var stored = await store.GetAsync("acc_stamp", header.Id, Ct);
            Assert.Equal(("SENT", true), (stored!.State, stored.SentAt is not null));
        }
    }
}
