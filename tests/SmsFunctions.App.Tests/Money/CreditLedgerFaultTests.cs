using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Tables;
using Fault = SmsFunctions.App.Tests.Money.StorageFaultPolicy.Fault;

namespace SmsFunctions.App.Tests.Money;

/// <summary>
/// The credit ledger under injected storage faults (Azurite behind an SDK pipeline that loses answers and fails
/// requests): every change is applied exactly once, and balance = the ledger's sum, whatever storage answered.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CreditLedgerFaultTests(SmsAppFixture app) : IDisposable
{
    private readonly StorageFaultPolicy _faults = new();

    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task ALostAnswerOnTheBalanceWriteChargesOnce()
    {
        var (tables, ledger, account) = await AccountAsync(1.00m);
        _faults.Add(SmsTables.AccountsName, Fault.DropAnswerAfterCommit);

        var debit = await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, null, changeId: "charge:lost-balance-answer", cancellationToken: Ct);

        Assert.Equal(1, _faults.Injected);
        Assert.True(debit.Succeeded);
        Assert.Equal(0.95m, debit.Balance);
        await AssertConsistentAsync(tables, ledger, account, 0.95m, expectedLines: 2);
    }

    [Fact]
    public async Task ALostAnswerOnTheLedgerWriteChargesOnceAndKeepsOneLine()
    {
        var (tables, ledger, account) = await AccountAsync(1.00m);
        _faults.Add(SmsTables.LedgerName, Fault.DropAnswerAfterCommit);

        var debit = await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, null, changeId: "charge:lost-ledger-answer", cancellationToken: Ct);

        Assert.True(debit.Succeeded);
        await AssertConsistentAsync(tables, ledger, account, 0.95m, expectedLines: 2);
        Assert.Equal(1, _faults.Injected);
    }

    [Fact]
    public async Task AChargeWhoseLedgerWriteKeepsFailingIsStillOneChargeAndItsLineIsWrittenLater()
    {
        var (tables, ledger, account) = await AccountAsync(1.00m);
        _faults.Add(SmsTables.LedgerName, Fault.FailBeforeSend, times: 20);

        // The balance write is the charge; the ledger line follows it (the SDK gives up after its retries).
        var debit = await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, "m1", changeId: "charge:ledger-down", cancellationToken: Ct);
        Assert.True(debit.Succeeded);
        Assert.Equal(0.95m, await ledger.GetBalanceAsync(account, Ct));

        // The same change again (a client retry resumed with the same id) is not a second charge.
        var again = await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, "m1", changeId: "charge:ledger-down", verify: true, cancellationToken: Ct);
        Assert.True(again.Succeeded);
        Assert.Equal(0.95m, await ledger.GetBalanceAsync(account, Ct));

        _faults.Clear();
        await AssertConsistentAsync(tables, ledger, account, 0.95m, expectedLines: 2);
    }

    [Fact]
    public async Task FailuresBeforeTheBalanceWriteAreRetriedAndChargeOnce()
    {
        var (tables, ledger, account) = await AccountAsync(1.00m);
        _faults.Add(SmsTables.AccountsName, Fault.FailBeforeSend, times: 6); // more than the SDK's own 3 retries

        var debit = await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, null, changeId: "charge:storage-blip", cancellationToken: Ct);

        Assert.True(debit.Succeeded);
        await AssertConsistentAsync(tables, ledger, account, 0.95m, expectedLines: 2);
    }

    [Fact]
    public async Task ALineLeftInTheJournalByADeadProcessIsWrittenByTheNextOne()
    {
        var (tables, _, account) = await AccountAsync(1.00m);
        var dying = new CreditLedger(tables, TimeProvider.System, NullLogger<CreditLedger>.Instance);
        _faults.Add(SmsTables.LedgerName, Fault.Hang); // this process "dies" before its ledger line is out
        // The charge is durable once the balance write is: its caller does not wait for the line.
        var charged = await dying.TryDebitAsync(account, 0.30m, LedgerKinds.Charge, null, changeId: "charge:dies-before-line", cancellationToken: Ct)
            .WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.True(charged.Succeeded);

        var next = new CreditLedger(await TablesAsync(tables.Prefix), TimeProvider.System, NullLogger<CreditLedger>.Instance);
        await AssertConsistentAsync(tables, next, account, 0.70m, expectedLines: 2);
    }

    [Fact]
    public async Task ConcurrentChangesFromTwoProcessesUnderRandomFaultsAreEachAppliedOnce()
    {
        var (tables, ledger, account) = await AccountAsync(10.00m);
        var other = new CreditLedger(await TablesAsync(tables.Prefix), TimeProvider.System, NullLogger<CreditLedger>.Instance);
        _faults.Add(SmsTables.AccountsName, Fault.DropAnswerAfterCommit, times: 1000, probability: 0.3);
        _faults.Add(SmsTables.AccountsName, Fault.FailBeforeSend, times: 1000, probability: 0.10);
        _faults.Add(SmsTables.LedgerName, Fault.DropAnswerAfterCommit, times: 1000, probability: 0.3);

        const int Changes = 120;
        // Eight clients, each sending one change after another, alternating between the two processes.
        var results = (await Task.WhenAll(Enumerable.Range(0, 8).Select(async client =>
        {
            var mine = new List<DebitResult>();
            for (var i = client; i < Changes; i += 8)
            {
                mine.Add(await (i % 2 == 0 ? ledger : other).TryDebitAsync(account, 0.05m, LedgerKinds.Charge, null, changeId: $"charge:concurrent-{i}", cancellationToken: Ct));
            }

            return mine;
        }))).SelectMany(r => r).ToList();
        Assert.Equal(Changes, results.Count);

        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.True(_faults.Injected >= 8, $"only {_faults.Injected} faults were injected");
        _faults.Clear();
        await other.FlushAsync(account, Ct);
        await AssertConsistentAsync(tables, ledger, account, 10.00m - (Changes * 0.05m), expectedLines: Changes + 1);
    }

    [Fact]
    public async Task ABurstOfChargesWhileTheLedgerIsDownNeverOverflowsTheAccountRow()
    {
        // The journal on the account row holds the changes whose ledger lines are not written yet; with the ledger
        // down it must not grow past a table property's 32K characters (the balance write would be refused).
        var (tables, ledger, account) = await AccountAsync(100.00m);
        _faults.Add(SmsTables.LedgerName, Fault.FailBeforeSend, times: 400);
        _faults.Add("$batch", Fault.FailBeforeSend, times: 400);

        var failures = new List<Exception>();
        var charged = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            for (var i = client; i < 400; i += 16)
            {
                try
                {
                    if ((await ledger.TryDebitAsync(account, 0.05m, LedgerKinds.Charge, $"{i:x24}", changeId: $"charge:{i:x24}", cancellationToken: Ct)).Succeeded)
                    {
                        Interlocked.Increment(ref charged);
                    }
                }
#pragma warning disable CA1031 // Counted: a charge refused for want of a ledger is fine, a refused balance write is not.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    lock (failures) { failures.Add(ex); }
                }
            }
        }));

        Assert.DoesNotContain(failures, f => f is Azure.RequestFailedException { Status: 400 });
        Assert.True(charged > 0);
        _faults.Clear();
        await AssertConsistentAsync(tables, ledger, account, 100.00m - (charged * 0.05m), expectedLines: charged + 1);
    }

    private static async Task AssertConsistentAsync(SmsTables tables, CreditLedger ledger, string account, decimal expected, int expectedLines)
    {
        var lines = await ledger.ListAsync(account, 10_000, Ct);
        var stored = await tables.Accounts.GetEntityAsync<AccountEntity>(AccountEntity.Partition, account, cancellationToken: Ct);
        Assert.Equal(expected, TableValues.ParseMoney(stored.Value.Credit));
        Assert.Equal(expectedLines, lines.Count);
        Assert.Equal(expected, lines.Sum(l => TableValues.ParseMoney(l.Amount)));
        Assert.Equal(lines.Count, lines.Select(l => l.ChangeId).Distinct().Count());
    }

    private async Task<(SmsTables Tables, CreditLedger Ledger, string Account)> AccountAsync(decimal opening)
    {
        var clean = await app.FreshTablesAsync("money");
        var tables = await TablesAsync(clean.Prefix);
        var account = await new AccountStore(tables, TimeProvider.System).CreateAsync("money", "EUR", 0, Ct);
        var ledger = new CreditLedger(tables, TimeProvider.System, NullLogger<CreditLedger>.Instance);
        Assert.Equal(opening, await ledger.AddAsync(account.Id, opening, LedgerKinds.TopUp, null, cancellationToken: Ct));
        return (tables, ledger, account.Id);
    }

    /// <summary>The tables under <paramref name="prefix"/>, through a client whose every try passes the fault policy.</summary>
    private Task<SmsTables> TablesAsync(string prefix)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.AddPolicy(_faults, HttpPipelinePosition.PerRetry);
        return Task.FromResult(new SmsTables(new TableServiceClient(app.Azurite.ConnectionString, options),
            Microsoft.Extensions.Options.Options.Create(new SmsFunctions.Storage.StorageOptions { TablePrefix = prefix })));
    }

    public void Dispose() => _faults.Dispose();
}
