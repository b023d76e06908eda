using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>
/// An account's messages and ledger lines live in time-bucket partitions (<c>{account}|{bucket}</c>), and still list
/// newest first across the buckets, with the created-date bounds. Against Azurite.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AccountPartitionsTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public void KeysNameTheAccountAndTheFilterSelectsOnlyItsPartitions()
    {
        var id = MessageId.New(TimeProvider.System);
        var key = MessageEntity.PartitionKeyOf("acc_1", id);
        Assert.Equal("acc_1|" + id[..8], key); // 8 of the 11 time digits: 16^3 ms, ~4 s
        Assert.Equal("acc_1", new MessageEntity { PartitionKey = key, RowKey = id }.AccountId);
        Assert.Equal("acc_1", AccountPartitions.AccountOf("acc_1")); // rows written before the buckets

        var filter = AccountPartitions.Filter("acc_1");
        Assert.Equal("PartitionKey ge 'acc_1|' and PartitionKey lt 'acc_1}'", filter);
        Assert.True(string.CompareOrdinal("acc_1|fffffffff", "acc_1}") < 0);
        Assert.True(string.CompareOrdinal("acc_10|0", "acc_1|") < 0); // another account whose id starts alike is outside
    }

    [Fact]
    public async Task MessagesOverManyBucketsListNewestFirstWithTheirDateBounds()
    {
        var tables = await TablesAsync();
        var store = new MessageStore(tables);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        var account = "acc_" + Guid.NewGuid().ToString("N")[..12];
        var other = "acc_" + Guid.NewGuid().ToString("N")[..12];
        var created = new List<(string Id, DateTimeOffset At)>();
        for (var i = 0; i < 30; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(3)); // 30 messages over 90 s: some 20 partitions of ~4 s
            var at = clock.GetUtcNow();
            var id = MessageId.New(clock);
            created.Add((id, at));
            await store.InsertAsync(Message(account, id, at), Ct);
            var foreign = MessageId.New(clock);
            await store.InsertAsync(Message(other, foreign, at), Ct);
        }

        Assert.InRange(created.Select(c => MessageEntity.PartitionKeyOf(account, c.Id)).Distinct().Count(), 15, 30);

        var listed = await ListAllAsync(store, account, new MessageQuery(), 7);
        Assert.Equal(created.OrderByDescending(c => c.At).Select(c => c.Id), listed);

        var from = created[10].At;
        var to = created[20].At;
        var bounded = await ListAllAsync(store, account, new MessageQuery(CreatedFrom: from, CreatedTo: to), 4);
        Assert.Equal(created.Where(c => c.At >= from && c.At <= to).OrderByDescending(c => c.At).Select(c => c.Id), bounded);

        Assert.NotNull(await store.GetAsync(account, created[17].Id, Ct));
        Assert.Null(await store.GetAsync(other, created[17].Id, Ct));
    }

    [Fact]
    public async Task TheLedgerListsNewestFirstAcrossSeconds()
    {
        var tables = await TablesAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        var account = await new AccountStore(tables, clock).CreateAsync("ledger-buckets", "EUR", 100, Ct);
        var ledger = new CreditLedger(tables, clock, NullLogger<CreditLedger>.Instance);
        for (var i = 1; i <= 12; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(700)); // 12 changes over ~8 s: several partitions
            Assert.NotNull(await ledger.AddAsync(account.Id, i, LedgerKinds.TopUp, null, cancellationToken: Ct));
        }

        var lines = await ledger.ListAsync(account.Id, 1000, Ct);
        Assert.Equal(Enumerable.Range(1, 12).Reverse().Select(i => (decimal)i), lines.Select(l => TableValues.ParseMoney(l.Amount)));
        Assert.InRange(lines.Select(l => l.PartitionKey).Distinct().Count(), 5, 12);
        Assert.All(lines, l => Assert.StartsWith(account.Id + "|", l.PartitionKey, StringComparison.Ordinal));
        Assert.Equal(78m, await ledger.GetBalanceAsync(account.Id, Ct) - TableValues.ParseMoney(account.Credit));
    }

    private Task<SmsTables> TablesAsync() => app.FreshTablesAsync("ap");

    private static async Task<List<string>> ListAllAsync(MessageStore store, string account, MessageQuery query, int pageSize)
    {
        var ids = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(account, query, pageSize, token, Ct);
            Assert.InRange(page.Items.Count, 0, pageSize);
            ids.AddRange(page.Items.Select(m => m.Id));
            token = page.ContinuationToken;
            Assert.True(++pages < 100, "paging does not end");
        }
        while (token is not null);

        return ids;
    }

    private static MessageEntity Message(string account, string id, DateTimeOffset at) => new()
    {
        PartitionKey = MessageEntity.PartitionKeyOf(account, id),
        RowKey = id,
        Username = "buckets",
        State = "QUEUED",
        Sender = "MyCompany",
        Body = "x",
        RecipientCount = 1,
        CreatedAt = at,
        UpdatedAt = at,
    };
}
