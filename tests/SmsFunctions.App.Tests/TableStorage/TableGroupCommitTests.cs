using System.Collections.Concurrent;
using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using SmsFunctions.App.Tests.Api;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>
/// Group commit of message inserts (per account) and schedule upserts (per minute bucket): concurrent writes of one
/// partition share entity-group transactions, every row lands with its ETag, and one bad entity fails only itself.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TableGroupCommitTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private MessageStore Messages => app.Services.GetRequiredServiceFor<MessageStore>();

    private ScheduleIndex Schedule => app.Services.GetRequiredServiceFor<ScheduleIndex>();

    [Fact]
    public async Task ConcurrentMessageInsertsOfOneAccountAllLandWithTheirETags()
    {
        var accountId = "gc-" + Guid.NewGuid().ToString("N");
        var messages = Enumerable.Range(0, 250).Select(i => NewMessage(accountId, i)).ToList();

        var etags = await Task.WhenAll(messages.Select(m => Task.Run(() => Messages.InsertAsync(m, Ct), Ct)));

        Assert.Equal(messages.Count, await SmsAppFixture.CountAccountRowsAsync(app.Tables.Messages, accountId));
        for (var i = 0; i < messages.Count; i++)
        {
            Assert.NotEqual(default, etags[i]);
            Assert.Equal(etags[i], messages[i].ETag);
            var stored = await Messages.GetAsync(accountId, messages[i].Id, Ct);
            Assert.NotNull(stored);
            Assert.Equal(messages[i].ETag, stored.ETag);
            Assert.Equal(messages[i].Body, stored.Body);
        }

        // The ETag set by the transaction is the row's: a guarded replace with it succeeds.
        messages[7].State = "SENT";
        Assert.True(await Messages.TryReplaceAsync(messages[7], Ct));
    }

    [Fact]
    public async Task AnInsertOfAnExistingMessageFailsAloneAndTheOthersLand()
    {
        var accountId = "gc-" + Guid.NewGuid().ToString("N");
        var existing = NewMessage(accountId, 0);
        await Messages.InsertAsync(existing, Ct);
        var retried = NewMessage(accountId, 0);
        retried.RowKey = existing.RowKey; // An insert retried after its answer was lost.
        var others = Enumerable.Range(1, 30).Select(i => NewMessage(accountId, i)).ToList();

        // Started together (the retried one in the middle), so they are queued for the same transaction.
        var tasks = others.Take(15).Select(m => Messages.InsertAsync(m, Ct))
            .Append(Messages.InsertAsync(retried, Ct))
            .Concat(others.Skip(15).Select(m => Messages.InsertAsync(m, Ct)))
            .ToList();
        var retriedTask = tasks[15];
        await Task.WhenAll(tasks.Where(t => t != retriedTask));

        var conflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => retriedTask);
        Assert.Equal((int)HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal(others.Count + 1, await SmsAppFixture.CountAccountRowsAsync(app.Tables.Messages, accountId));
        foreach (var message in others)
        {
            var stored = await Messages.GetAsync(accountId, message.Id, Ct);
            Assert.NotNull(stored);
            Assert.NotEqual(default, message.ETag);
            Assert.Equal(message.ETag, stored.ETag);
        }

        Assert.Equal(existing.ETag, (await Messages.GetAsync(accountId, existing.Id, Ct))!.ETag);
    }

    [Fact]
    public async Task ConcurrentScheduleRowsOfOneBucketAllLandWithTheirETags()
    {
        // A bucket of its own, far ahead, that no other test writes.
        var dueAt = new DateTimeOffset(2090, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(1, 500_000));
        var ids = Enumerable.Range(0, 150).Select(_ => MessageId.New(TimeProvider.System)).Distinct().ToList();

        var entries = await Task.WhenAll(ids.Select((id, i) => Task.Run(
            () => Schedule.AddAsync("acct-" + i, id, dueAt.AddSeconds(i % 60), PriorityBand.Normal, i + 1, Ct), Ct)));

        Assert.Equal(ids.Count, await SmsAppFixture.CountRowsAsync(app.Tables.Schedule, ScheduleIndex.BucketOf(dueAt)));
        foreach (var entry in entries)
        {
            var stored = await Schedule.GetAsync(entry.MessageId, entry.DueAt, Ct);
            Assert.NotNull(stored);
            Assert.NotEqual(default, entry.ETag);
            Assert.Equal(entry.ETag, stored.ETag);
            Assert.Equal(entry.AccountId, stored.AccountId);
            Assert.Equal(entry.RecipientCount, stored.RecipientCount);
        }

        // The ETag is the row's: a sweeper's guarded claim with it succeeds.
        Assert.True(await Schedule.TryRemoveAsync(entries[3], Ct));
    }

    [Fact]
    public async Task ConcurrentInsertsOfOnePartitionShareTransactions()
    {
        var (table, requests) = await CountingTableAsync();
        var writer = new TableGroupCommit<TableEntity>(table, TableTransactionActionType.Add);
        var entities = Enumerable.Range(0, 250).Select(i => new TableEntity("p", $"r{i:D4}") { ["N"] = i }).ToList();

        var etags = await Task.WhenAll(entities.Select(e => writer.WriteAsync(e, Ct)));

        Assert.All(etags, e => Assert.NotEqual(default, e));
        Assert.Equal(entities.Count, await SmsAppFixture.CountRowsAsync(table, "p"));
        var batches = requests.Count(r => r.EndsWith("$batch", StringComparison.Ordinal));
        Assert.True(batches >= 3, $"{batches} transactions for {entities.Count} inserts");
        Assert.True(requests.Count <= 10, $"{requests.Count} requests for {entities.Count} inserts: {string.Join(", ", requests)}");
        await foreach (var row in table.QueryAsync<TableEntity>("PartitionKey eq 'p'", cancellationToken: Ct))
        {
            Assert.Equal(row.ETag, entities[row.GetInt32("N")!.Value].ETag);
        }
    }

    [Fact]
    public async Task OneConflictingInsertFailsAloneAfterItsTransactionFailed()
    {
        var (table, requests) = await CountingTableAsync();
        var writer = new TableGroupCommit<TableEntity>(table, TableTransactionActionType.Add);
        await table.AddEntityAsync(new TableEntity("p", "r0005") { ["N"] = -1 }, Ct);
        requests.Clear();
        var entities = Enumerable.Range(0, 10).Select(i => new TableEntity("p", $"r{i:D4}") { ["N"] = i }).ToList();

        var tasks = entities.Select(e => writer.WriteAsync(e, Ct)).ToList();

        var conflict = await Assert.ThrowsAnyAsync<RequestFailedException>(() => tasks[5]);
        Assert.Equal(409, conflict.Status);
        Assert.IsNotType<TableTransactionFailedException>(conflict); // The answer a single insert gets.
        for (var i = 0; i < entities.Count; i++)
        {
            if (i == 5) { continue; }
            Assert.Equal(entities[i].ETag, await tasks[i]);
            Assert.Equal(i, (await table.GetEntityAsync<TableEntity>("p", entities[i].RowKey, cancellationToken: Ct)).Value.GetInt32("N"));
        }

        Assert.Equal(-1, (await table.GetEntityAsync<TableEntity>("p", "r0005", cancellationToken: Ct)).Value.GetInt32("N"));
        Assert.Contains(requests, r => r.EndsWith("$batch", StringComparison.Ordinal)); // They were tried together first.
    }

    [Fact]
    public async Task UpsertsOfTheSameRowAreWrittenInTurnAndTheLastWins()
    {
        var (table, _) = await CountingTableAsync();
        var writer = new TableGroupCommit<TableEntity>(table, TableTransactionActionType.UpsertReplace);
        var first = new TableEntity("p", "same") { ["V"] = "first" };
        var other = new TableEntity("p", "other") { ["V"] = "other" };
        var last = new TableEntity("p", "same") { ["V"] = "last" };

        await Task.WhenAll(writer.WriteAsync(first, Ct), writer.WriteAsync(other, Ct), writer.WriteAsync(last, Ct));

        var stored = (await table.GetEntityAsync<TableEntity>("p", "same", cancellationToken: Ct)).Value;
        Assert.Equal("last", stored.GetString("V"));
        Assert.Equal(last.ETag, stored.ETag);
        Assert.Equal(other.ETag, (await table.GetEntityAsync<TableEntity>("p", "other", cancellationToken: Ct)).Value.ETag);
    }

    [Fact]
    public async Task AWriteGivenUpBeforeItsTransactionWentOutIsNotWritten()
    {
        var (table, _) = await CountingTableAsync();
        var writer = new TableGroupCommit<TableEntity>(table, TableTransactionActionType.Add, TimeSpan.FromMilliseconds(300));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var kept = writer.WriteAsync(new TableEntity("p", "kept"), Ct);
        var dropped = writer.WriteAsync(new TableEntity("p", "dropped"), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.NotEqual(default, await kept);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "dropped", cancellationToken: Ct)).HasValue);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", "kept", cancellationToken: Ct)).HasValue);
    }

    [Fact]
    public async Task ConcurrentSendsOfOneAccountAreAllStoredWithTheirOutboxRows()
    {
        const int sends = 40;
        var customer = await app.CreateCustomerAsync(100m, rateLimitPerSecond: 10_000);

        var results = await Task.WhenAll(Enumerable.Range(0, sends).Select(i => Task.Run(
            () => customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(i), body = "burst " + i }), Ct)));

        var ids = results.Select(r => r["id"]!.GetValue<string>()).ToList();
        Assert.Equal(sends, ids.Distinct().Count());
        Assert.Equal(sends, await customer.MessageCountAsync());
        Assert.Equal(100m - (sends * 0.05m), await customer.CreditAsync());
        foreach (var (id, result) in ids.Zip(results))
        {
            var message = await Messages.GetAsync(customer.AccountId, id, Ct);
            Assert.NotNull(message);
            Assert.Equal("QUEUED", message.State);
            Assert.NotNull(message.DueAt);
            // The outbox row, unless the (background) hand-off to the dispatch queue already took it.
            var row = await Schedule.GetAsync(id, message.DueAt.Value, Ct);
            Assert.True(row is null || row.AccountId == customer.AccountId);
            Assert.Equal(1, await SmsAppFixture.CountRecipientRowsAsync(app.Tables.Recipients, id));
        }
    }

    private static MessageEntity NewMessage(string accountId, int i)
    {
        var id = MessageId.New(TimeProvider.System);
        return new MessageEntity
        {
            PartitionKey = MessageEntity.PartitionKeyOf(accountId, id),
            RowKey = id,
            Username = "group-commit",
            State = "QUEUED",
            Sender = "MyCompany",
            Body = "message " + i,
            RecipientCount = 1,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>A fresh table whose client records the path of every request it sends (retries included).</summary>
    private async Task<(TableClient Table, RequestLog Requests)> CountingTableAsync()
    {
        var requests = new RequestLog();
        var options = new TableClientOptions();
        options.AddPolicy(new RecordingPolicy(requests), HttpPipelinePosition.PerRetry);
        var table = new TableClient(app.Azurite.ConnectionString, app.Azurite.UniqueName("gc"), options);
        await table.CreateIfNotExistsAsync(Ct);
        requests.Clear();
        return (table, requests);
    }

    /// <summary>Request paths in the order they were sent.</summary>
    private sealed class RequestLog : IEnumerable<string>
    {
        private ConcurrentQueue<string> _items = new();

        public int Count => _items.Count;

        public void Add(string item) => _items.Enqueue(item);

        public void Clear() => _items = new ConcurrentQueue<string>();

        public IEnumerator<string> GetEnumerator() => _items.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class RecordingPolicy(RequestLog requests) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => requests.Add(message.Request.Uri.Path);
    }
}
