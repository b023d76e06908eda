using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>The bounded short-lived row cache behind the message-header and recent-account caches.</summary>
public sealed class RecentRowsTests
{
    private static MessageEntity Row(string id, string state = "QUEUED") => new() { PartitionKey = "p", RowKey = id, State = state };

    [Fact]
    public void ARowIsKeptForItsLifetimeOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        using var rows = new RecentRows<MessageEntity>(TimeSpan.FromSeconds(30), 100, m => m.Copy(), clock);
        rows.Set("a", Row("a"));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(rows.TryGet("a", out _));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(rows.TryGet("a", out _));
    }

    [Fact]
    public void PastItsBoundARowIsNotKeptAndTheNextReadGoesToTheTable()
    {
        using var rows = new RecentRows<MessageEntity>(TimeSpan.FromMinutes(1), 2, m => m.Copy(), TimeProvider.System);

        rows.Set("a", Row("a"));
        rows.Set("b", Row("b"));
        rows.Set("c", Row("c"));

        Assert.True(rows.TryGet("a", out _));
        Assert.True(rows.TryGet("b", out _));
        Assert.False(rows.TryGet("c", out _));
    }

    [Fact]
    public void CopiesGoInAndComeOut()
    {
        using var rows = new RecentRows<MessageEntity>(TimeSpan.FromMinutes(1), 10, m => m.Copy(), TimeProvider.System);
        var original = Row("a");
        rows.Set("a", original);
        original.State = "CHANGED";

        Assert.True(rows.TryGet("a", out var first));
        first.State = "CHANGED TOO";
        Assert.True(rows.TryGet("a", out var second));

        Assert.Equal("QUEUED", second.State);
    }
}
