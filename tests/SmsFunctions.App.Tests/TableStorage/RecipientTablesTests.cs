using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>
/// Recipient rows spread over sixteen tables: a small message in one, a big one over several, and every read of a
/// message (paging, streaming, counting, numbers) sees each row once, whichever table it is in. Against Azurite.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RecipientTablesTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public void ASmallMessageLivesInOneTableAndA100kMessageInAllSixteen()
    {
        var small = MessageId.New(new FakeTimeProvider(), new Random(1), RecipientKeys.ShardDigitFor(10));
        var table = Assert.Single(RecipientKeys.TablesOf(small));
        Assert.All(Enumerable.Range(0, 200).Select(i => Number(i)), n => Assert.Equal(table, RecipientKeys.TableOf(RecipientKeys.PartitionKey(small, n))));

        var big = MessageId.New(new FakeTimeProvider(), new Random(2), RecipientKeys.ShardDigitFor(100_000));
        Assert.Equal(Enumerable.Range(0, 16), RecipientKeys.TablesOf(big).Order());
        var perTable = Enumerable.Range(0, 100_000).GroupBy(i => RecipientKeys.TableOf(RecipientKeys.PartitionKey(big, Number(i)))).ToList();
        Assert.Equal(16, perTable.Count);
        Assert.All(perTable, t => Assert.InRange(t.Count(), 5_000, 7_500));
    }

    [Fact]
    public void DifferentMessagesUseDifferentTables()
    {
        var tables = Enumerable.Range(0, 200)
            .Select(i => RecipientKeys.TablesOf(MessageId.New(new FakeTimeProvider(), new Random(i), 0))[0])
            .Distinct().Count();
        Assert.Equal(RecipientKeys.Tables, tables);
    }

    [Fact]
    public async Task EveryReadOfAMessageSpreadOverTwoTablesSeesEachRowOnce()
    {
        var tables = await app.FreshTablesAsync("rt");
        var store = new RecipientStore(tables);
        var id = MessageId.New(TimeProvider.System, Random.Shared, 1); // 32 shards in two tables
        var numbers = Enumerable.Range(0, 300).Select(Number).ToList();
        await store.InsertNewAsync(id, numbers.Select(n => new RecipientEntity
        {
            RowKey = n, AccountId = "acc", State = n.EndsWith('7') ? "DELIVERED" : "QUEUED",
        }).ToList(), Ct);

        var used = RecipientKeys.TablesOf(id);
        Assert.Equal(2, used.Count);
        foreach (var table in used)
        {
            Assert.InRange(await SmsAppFixture.CountRecipientRowsAsync([tables.Recipients[table]], id), 100, 200);
        }

        Assert.Equal(300, await SmsAppFixture.CountRecipientRowsAsync(tables.Recipients, id));

        var paged = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(id, 40, token, cancellationToken: Ct);
            Assert.InRange(page.Items.Count, 0, 40);
            paged.AddRange(page.Items.Select(r => r.Number));
            token = page.ContinuationToken;
            Assert.True(++pages < 20, "paging does not end");
        }
        while (token is not null);

        Assert.Equal(numbers.Order(StringComparer.Ordinal), paged.Order(StringComparer.Ordinal));

        var delivered = new List<string>();
        token = null;
        do
        {
            var page = await store.ListAsync(id, 7, token, "DELIVERED", cancellationToken: Ct);
            delivered.AddRange(page.Items.Select(r => r.Number));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(numbers.Where(n => n.EndsWith('7')).Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));

        var streamed = new List<string>();
        await foreach (var row in store.QueryAsync(id, cancellationToken: Ct)) { streamed.Add(row.Number); }
        Assert.Equal(300, streamed.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(300, streamed.Count);

        var counts = await store.CountByStateAsync(id, Ct);
        Assert.Equal(30, counts["DELIVERED"]);
        Assert.Equal(270, counts["QUEUED"]);
        Assert.Equal(numbers.ToHashSet(StringComparer.Ordinal), await store.NumbersAsync(id, Ct));

        var one = (await store.GetAsync(id, numbers[123], Ct))!;
        one.State = "SENT";
        Assert.True(await store.TryReplaceAsync(one, Ct));
        Assert.Equal("SENT", (await store.GetAsync(id, numbers[123], Ct))!.State);
    }

    private static string Number(int i) => "+39333" + i.ToString("D7", CultureInfo.InvariantCulture);
}
