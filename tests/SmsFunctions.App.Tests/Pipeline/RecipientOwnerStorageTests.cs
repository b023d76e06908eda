using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>
/// The recipient owner's group commit (on GroupCommit) against Azurite: an outcome held for its receipt becomes one write, changes
/// of one shard share transactions, a row changed elsewhere is re-read and decided again, and a declined change
/// writes nothing. Writes are counted by a policy on the table client.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RecipientOwnerStorageTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task AnOutcomeHeldForItsReceiptIsWrittenOnceWithBoth()
    {
        var (store, writes) = await StoreAsync();
        var writer = new RecipientOwner(store, TimeProvider.System);
        var messageId = NewMessageId();
        var row = (await InsertAsync(store, writer, messageId, ["+393330000001"]))[0];
        writes.Clear();

        // Held for a minute: only the receipt joining it can complete it within the test's wait.
        var outcome = writer.UpdateAsync(messageId, row.Number, null, r => { r.State = "SENT"; r.CarrierReference = "ref-1"; return true; }, TimeSpan.FromMinutes(1), Ct);
        await Task.Delay(100, Ct);
        Assert.False(outcome.IsCompleted);
        var receipt = writer.UpdateAsync(messageId, row.Number, null, r =>
        {
            if (r.State != "SENT") { return false; }
            r.State = "DELIVERED";
            return true;
        }, TimeSpan.Zero, Ct);

        var both = await Task.WhenAll(outcome, receipt).WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal("SENT", both[0]!.State);
        Assert.Equal("DELIVERED", both[1]!.State);
        Assert.Equal(1, writes.Count);
        var stored = await store.GetAsync(messageId, row.Number, Ct);
        Assert.Equal("DELIVERED", stored!.State);
        Assert.Equal("ref-1", stored.CarrierReference);
    }

    [Fact]
    public async Task ChangesOfOneShardShareTransactions()
    {
        var (store, writes) = await StoreAsync();
        var writer = new RecipientOwner(store, TimeProvider.System);
        var messageId = NewMessageId();
        var rows = await InsertAsync(store, writer, messageId, NumbersOfOneShard(messageId, 60));
        writes.Clear();

        var results = await Task.WhenAll(rows.Select(r => Task.Run(() => writer.UpdateAsync(messageId, r.Number, null, x => { x.State = "SENT"; return true; }, TimeSpan.Zero, Ct), Ct)));

        Assert.All(results, r => Assert.Equal("SENT", r!.State));
        Assert.InRange(writes.Count, 1, 20);
        await foreach (var stored in store.QueryAsync(messageId, cancellationToken: Ct))
        {
            Assert.Equal("SENT", stored.State);
        }
    }

    [Fact]
    public async Task ARowChangedElsewhereIsReadAgainAndItsChangeDecidedAgain()
    {
        var (store, _) = await StoreAsync();
        var writer = new RecipientOwner(store, TimeProvider.System);
        var messageId = NewMessageId();
        var rows = await InsertAsync(store, writer, messageId, NumbersOfOneShard(messageId, 10));

        // Another process cancels one recipient behind this writer's back.
        var other = (await store.GetAsync(messageId, rows[3].Number, Ct))!;
        other.State = "CANCELED";
        Assert.True(await store.TryReplaceAsync(other, Ct));

        var results = await Task.WhenAll(rows.Select(r => writer.UpdateAsync(messageId, r.Number, null, x =>
        {
            if (x.State != "QUEUED") { return false; }
            x.State = "DISPATCHING";
            return true;
        }, TimeSpan.Zero, Ct)));

        Assert.Null(results[3]);
        Assert.Equal(9, results.Count(r => r?.State == "DISPATCHING"));
        Assert.Equal("CANCELED", (await store.GetAsync(messageId, rows[3].Number, Ct))!.State);
        Assert.Equal("DISPATCHING", (await store.GetAsync(messageId, rows[4].Number, Ct))!.State);
    }

    [Fact]
    public async Task ADeclinedChangeWritesNothing()
    {
        var (store, writes) = await StoreAsync();
        var writer = new RecipientOwner(store, TimeProvider.System);
        var messageId = NewMessageId();
        var row = (await InsertAsync(store, writer, messageId, ["+393330000002"]))[0];
        writes.Clear();

        var result = await writer.UpdateAsync(messageId, row.Number, null, _ => false, TimeSpan.Zero, Ct);

        Assert.Null(result);
        Assert.Equal(0, writes.Count);
        Assert.Null(await writer.UpdateAsync(NewMessageId(), "+393330000003", null, _ => true, TimeSpan.Zero, Ct));
    }

    private static string NewMessageId() => "w" + Guid.NewGuid().ToString("N")[..20];

    private static List<string> NumbersOfOneShard(string messageId, int count)
    {
        var shard = RecipientKeys.PartitionKey(messageId, "+393330000000");
        return Enumerable.Range(0, 100_000).Select(i => "+39333" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture))
            .Where(n => RecipientKeys.PartitionKey(messageId, n) == shard).Take(count).ToList();
    }

    private static async Task<List<RecipientEntity>> InsertAsync(RecipientStore store, RecipientOwner writer, string messageId, IReadOnlyList<string> numbers)
    {
        var rows = numbers.Select(n => new RecipientEntity { RowKey = n, AccountId = "acc", State = "QUEUED" }).ToList();
        await store.InsertNewAsync(messageId, rows, Ct);
        foreach (var row in rows) { writer.Remember(row); }
        return rows;
    }

    /// <summary>A store over fresh tables whose client counts the writes it sends (PUT/MERGE, and batches).</summary>
    private async Task<(RecipientStore Store, WriteLog Writes)> StoreAsync()
    {
        var writes = new WriteLog();
        var options = new TableClientOptions();
        options.AddPolicy(new CountingPolicy(writes), HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(app.Azurite.ConnectionString, options);
        var tables = new SmsTables(service, Options.Create(new StorageOptions { TablePrefix = app.Azurite.UniqueName("rw") }));
        await Task.WhenAll(tables.Recipients.Select(t => t.CreateIfNotExistsAsync(Ct)));
        return (new RecipientStore(tables), writes);
    }

    private sealed class WriteLog
    {
        private ConcurrentQueue<string> _items = new();

        public int Count => _items.Count;

        public void Add(string item) => _items.Enqueue(item);

        public void Clear() => _items = new ConcurrentQueue<string>();
    }

    private sealed class CountingPolicy(WriteLog writes) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Get) { writes.Add(message.Request.Method + " " + message.Request.Uri.Path); }
        }
    }
}
