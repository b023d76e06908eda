using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace SmsFunctions.Carriers.Tests.Support;

/// <summary>A fake clock that tells when code under test starts waiting, so a test can advance exactly then.</summary>
internal sealed class SteppingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public SteppingTimeProvider() : base(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Runs <paramref name="work"/> to completion, advancing the clock by each wait it starts.</summary>
    public async Task<T> DriveAsync<T>(Func<Task<T>> work)
    {
        var task = work();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!task.IsCompleted)
        {
            var wait = _timers.Reader.ReadAsync(deadline.Token).AsTask();
            if (await Task.WhenAny(task, wait) == task) { break; }
            Advance(await wait);
        }

        return await task;
    }
}
