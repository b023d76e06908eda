namespace SmsFunctions.App.Triggers;

/// <summary>What a timer-triggered function does on each tick; the same code runs under the local runtime and the
/// Functions host. A timer never overlaps itself locally; exceptions are logged and the schedule continues.</summary>
public interface ITimerHandler
{
    Task RunAsync(TimerTick tick, CancellationToken cancellationToken);
}
