using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using SmsFunctions.Testing.Faults;

namespace SmsFunctions.Reliability.Tests;

/// <summary>The fault proxy does exactly what its script says, seen through the same SDK the app uses (retries off,
/// so each fault reaches the caller as it happened). Each client gets its own connection pool: the SDK's shared one
/// may hold a connection to an earlier test's proxy whose port the OS has handed to this one.</summary>
[Collection(nameof(ReliabilityCollection))]
public sealed class StorageFaultProxyTests(ReliabilityFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new();

    private TableClientOptions NoTableRetries => new() { Retry = { MaxRetries = 0, Mode = RetryMode.Fixed }, Transport = new HttpClientTransport(_http) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task ACommittedInsertWhoseAnswerIsDroppedIsStoredWhileTheCallerSeesAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var proxy = await StorageFaultProxy.StartAsync(fixture.Azurite.Endpoints, cancellationToken: ct);
        var name = fixture.Azurite.UniqueName("px") + "Accounts";
        var table = new TableClient(proxy.ConnectionString, name, NoTableRetries);
        await table.CreateIfNotExistsAsync(ct);
        var rule = proxy.Next(1, StorageMatch.Of("Accounts", StorageOperationKind.Insert), StorageFault.CommitThenDropAnswer);

        await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r1") { ["V"] = 1 }, ct));
        await table.AddEntityAsync(new TableEntity("p", "r2") { ["V"] = 2 }, ct); // the rule is used up

        var direct = new TableClient(fixture.Azurite.ConnectionString, name);
        Assert.Equal(1, (await direct.GetEntityAsync<TableEntity>("p", "r1", cancellationToken: ct)).Value.GetInt32("V"));
        Assert.Equal(1, rule.Applied);
        Assert.Equal(1, proxy.InjectedTotal);
    }

    [Fact]
    public async Task AServerBusyMergeAndAResetDeleteNeverReachStorage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var proxy = await StorageFaultProxy.StartAsync(fixture.Azurite.Endpoints, cancellationToken: ct);
        var name = fixture.Azurite.UniqueName("px") + "Ledger";
        var table = new TableClient(proxy.ConnectionString, name, NoTableRetries);
        await table.CreateIfNotExistsAsync(ct);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 }, ct);
        proxy.Next(1, StorageMatch.Of("Ledger", StorageOperationKind.Merge), StorageFault.ServerBusy);
        proxy.Next(1, StorageMatch.Of("Ledger", StorageOperationKind.Delete), StorageFault.Reset);

        var busy = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, ETag.All, TableUpdateMode.Merge, ct));
        Assert.Equal(503, busy.Status);
        await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.DeleteEntityAsync("p", "r", ETag.All, ct));

        var row = (await new TableClient(fixture.Azurite.ConnectionString, name).GetEntityAsync<TableEntity>("p", "r", cancellationToken: ct)).Value;
        Assert.Equal(1, row.GetInt32("V"));
        Assert.Equal(2, proxy.InjectedTotal);
    }

    [Fact]
    public async Task ABatchIsMatchedByTheTableInItsBodyAndQueuesByName()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var proxy = await StorageFaultProxy.StartAsync(fixture.Azurite.Endpoints, cancellationToken: ct);
        var name = fixture.Azurite.UniqueName("px") + "Recipients3";
        var table = new TableClient(proxy.ConnectionString, name, NoTableRetries);
        await table.CreateIfNotExistsAsync(ct);
        proxy.Next(1, StorageMatch.Of("Recipients", StorageOperationKind.Batch), StorageFault.CommitThenReset);
        await Assert.ThrowsAnyAsync<Exception>(() => table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "a")), new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "b"))], ct));
        Assert.Equal(2, new TableClient(fixture.Azurite.ConnectionString, name).Query<TableEntity>(cancellationToken: ct).Count());

        var queueName = fixture.Azurite.UniqueName("sms-dispatch-px");
        var queue = new QueueClient(proxy.ConnectionString, queueName, new QueueClientOptions { Retry = { MaxRetries = 0 }, Transport = new HttpClientTransport(_http) });
        await queue.CreateIfNotExistsAsync(cancellationToken: ct);
        proxy.Next(1, StorageMatch.Of("sms-dispatch", StorageOperationKind.QueuePut), StorageFault.InternalError);
        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => queue.SendMessageAsync("lost", ct));
        Assert.Equal(500, failed.Status);
        await queue.SendMessageAsync("kept", ct);
        var received = (await new QueueClient(fixture.Azurite.ConnectionString, queueName).ReceiveMessagesAsync(32, cancellationToken: ct)).Value;
        Assert.Equal(["kept"], received.Select(m => m.MessageText));
        Assert.Equal(2, proxy.InjectedTotal);
    }

    [Fact]
    public async Task AProbabilisticRuleStopsAtItsLimitAndADelayIsOnlyADelay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var proxy = await StorageFaultProxy.StartAsync(fixture.Azurite.Endpoints, cancellationToken: ct);
        var name = fixture.Azurite.UniqueName("px") + "Messages";
        var table = new TableClient(proxy.ConnectionString, name, NoTableRetries);
        await table.CreateIfNotExistsAsync(ct);
        var rule = proxy.Sometimes(0.5, StorageMatch.Writes("Messages"), StorageFault.ServerBusy, limit: 3);
        var failures = 0;
        for (var i = 0; i < 40; i++)
        {
            try { await table.AddEntityAsync(new TableEntity("p", "r" + i), ct); }
            catch (RequestFailedException ex) when (ex.Status == 503) { failures++; }
        }

        Assert.Equal(3, failures);
        Assert.Equal(3, rule.Applied);
        Assert.Equal(37, new TableClient(fixture.Azurite.ConnectionString, name).Query<TableEntity>(cancellationToken: ct).Count());

        proxy.ClearRules();
        proxy.Next(1, StorageMatch.Of("Messages", StorageOperationKind.Query), StorageFault.Delayed(TimeSpan.FromMilliseconds(600)));
        var clock = Stopwatch.StartNew();
        Assert.Equal(37, table.Query<TableEntity>(cancellationToken: ct).Count());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(550), $"the query took {clock.Elapsed}");
    }
}
