using System.Threading.Channels;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Tests.Triggers.Fakes;

public sealed class TimerHandlerScript
{
    private int _running;
    private int _maxRunning;

    public Func<TimerTick, CancellationToken, Task> OnRun { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>Each tick, with how many runs of the timer were in progress when it started (1 = no overlap).</summary>
    public Channel<(TimerTick Tick, int Running)> Ticks { get; } = Channel.CreateUnbounded<(TimerTick, int)>();

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    internal async Task RunAsync(TimerTick tick, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        if (running > _maxRunning)
        {
            Volatile.Write(ref _maxRunning, running);
        }
        try
        {
            Ticks.Writer.TryWrite((tick, running));
            await OnRun(tick, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

public sealed class ScriptedTimerHandler(TimerHandlerScript script) : ITimerHandler
{
    public Task RunAsync(TimerTick tick, CancellationToken cancellationToken) => script.RunAsync(tick, cancellationToken);
}
