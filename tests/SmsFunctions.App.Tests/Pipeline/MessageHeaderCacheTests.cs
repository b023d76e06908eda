using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>The header cache answers by account and message id for a row it was handed (the accept path seeds it,
/// so that dispatch reads nothing), whatever the row's partition key looks like.</summary>
[Collection(ApiCollection.Name)]
public sealed class MessageHeaderCacheTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task ARowHandedToTheCacheIsFoundByAccountAndIdWithoutARead()
    {
        var tables = await app.FreshTablesAsync("hc");
        using var cache = new MessageHeaderCache(new MessageStore(tables), TimeProvider.System);
        var id = MessageId.New(TimeProvider.System);
        // Never written to the table: only the cache can answer for it.
        var row = new MessageEntity { PartitionKey = MessageEntity.PartitionKeyOf("acc_cache", id), RowKey = id, State = "QUEUED" };

        cache.Set(row);

        var found = await cache.GetAsync("acc_cache", id, Ct);
        Assert.Equal((id, "QUEUED"), (found?.Id, found?.State));
        Assert.NotSame(row, found);
        Assert.Null(await cache.GetAsync("acc_other", id, Ct));
        Assert.Null(await cache.RefreshAsync("acc_cache", id, Ct)); // a refresh reads the table, and forgets the row
        Assert.Null(await cache.GetAsync("acc_cache", id, Ct));
    }

    [Fact]
    public async Task EachCallerGetsItsOwnCopySoAChangeOneMakesIsNotSeenByAnother()
    {
        var tables = await app.FreshTablesAsync("hc");
        using var cache = new MessageHeaderCache(new MessageStore(tables), TimeProvider.System);
        var id = MessageId.New(TimeProvider.System);
        var row = new MessageEntity { PartitionKey = MessageEntity.PartitionKeyOf("acc_copy", id), RowKey = id, State = "QUEUED" };
        cache.Set(row);

        row.State = "CHANGED AFTER SET";
        var first = await cache.GetAsync("acc_copy", id, Ct);
        first!.State = "CHANGED BY A CALLER";
        var second = await cache.GetAsync("acc_copy", id, Ct);

        Assert.Equal("QUEUED", second!.State);
        Assert.NotSame(first, second);
    }
}
