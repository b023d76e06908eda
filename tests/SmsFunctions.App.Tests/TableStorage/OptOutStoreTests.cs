using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Inbound;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>
/// The send path's view of an account's opt-out list: read once per <see cref="OptOutStore.RecentFor"/>, a change made
/// through the same store seen at once, one made by another instance (another store on the same tables) within that
/// time. Against Azurite.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OptOutStoreTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task AChangeHereIsSeenAtOnceAndOneElsewhereWithinTheRecentTime()
    {
        var tables = await app.FreshTablesAsync("oo");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        using var here = new OptOutStore(tables, clock);
        using var elsewhere = new OptOutStore(tables, clock);
        var account = "acc_" + Guid.NewGuid().ToString("N")[..12];

        Assert.Empty(await here.GetSetAsync(account, cancellationToken: Ct));

        // Another instance adds a number: this one still answers from memory, until the recent time has passed.
        Assert.True(await elsewhere.AddAsync(account, "+393471111111", OptOutStore.SourceApi, null, Ct));
        Assert.Empty(await here.GetSetAsync(account, cancellationToken: Ct));
        Assert.Contains("+393471111111", await here.GetSetAsync(account, fresh: true, cancellationToken: Ct));
        clock.Advance(OptOutStore.RecentFor + TimeSpan.FromMilliseconds(1));
        Assert.Contains("+393471111111", await here.GetSetAsync(account, cancellationToken: Ct));

        // A change through this store is seen at once, both ways.
        Assert.True(await here.AddAsync(account, "+393472222222", OptOutStore.SourceKeyword, "STOP", Ct));
        Assert.Contains("+393472222222", await here.GetSetAsync(account, cancellationToken: Ct));
        Assert.True(await here.RemoveAsync(account, "+393471111111", Ct));
        Assert.Equal(["+393472222222"], await here.GetSetAsync(account, cancellationToken: Ct));

        // Other accounts' lists are their own.
        Assert.Empty(await here.GetSetAsync("acc_" + Guid.NewGuid().ToString("N")[..12], cancellationToken: Ct));
    }
}
