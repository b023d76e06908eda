using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.Money;

/// <summary>
/// A caller of a group commit cannot walk away from a write once it is queued: if it could, it would be told
/// "cancelled" (and refund a charge) while its row was written anyway — an unpaid send after a client disconnect.
/// </summary>
public sealed class GroupCommitCancellationTests
{
    [Fact]
    public async Task ACallerThatGivesUpAfterItsItemIsQueuedStillLearnsThatItWasWritten()
    {
        var flushing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = new List<int>();
        var group = new GroupCommit<int>(async (items, _) =>
        {
            await flushing.Task;
            lock (written) { written.AddRange(items); }
        }, maxItems: 10, linger: TimeSpan.Zero);
        using var client = new CancellationTokenSource();

        var add = group.AddAsync(1, client.Token);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await client.CancelAsync(); // the client disconnects while its write is in flight
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(add.IsCompleted, "the caller was let go before it knew whether its write happened");

        flushing.SetResult();
        await add; // written, and the caller is told so
        Assert.Equal([1], written);
    }

    [Fact]
    public async Task ACallerWhoseTokenIsCancelledBeforeQueueingIsNotWritten()
    {
        var written = new List<int>();
        var group = new GroupCommit<int>((items, _) => { lock (written) { written.AddRange(items); } return Task.CompletedTask; }, 10, TimeSpan.Zero);
        using var client = new CancellationTokenSource();
        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => group.AddAsync(1, client.Token));
        await group.AddAsync(2, TestContext.Current.CancellationToken);
        Assert.Equal([2], written);
    }
}
