using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// The local run's timers: one loop per timer function, waiting on the injected <see cref="TimeProvider"/> for the next
/// cron occurrence (UTC, seconds field) and awaiting the handler before scheduling again, so a timer never overlaps
/// itself. A failing tick is logged and the schedule goes on. Off in host mode, where the Functions host fires timers.
/// </summary>
internal sealed partial class LocalTimerRuntime(
    FunctionCatalog catalog,
    TimerFunctionInvoker invoker,
    IOptions<TriggerRuntimeOptions> options,
    TimeProvider time,
    ILogger<LocalTimerRuntime> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!TriggerRuntimeMode.RunsLocalTriggers(options.Value) || catalog.TimerFunctions.Count == 0)
        {
            return Task.CompletedTask;
        }
        foreach (var function in catalog.TimerFunctions)
        {
            // The first due time is computed here, synchronously, so "now" is the start time and not whenever the
            // loop's thread gets going.
            var firstDue = TimerSchedule.Next(function.Cron, time.GetUtcNow());
            LogTimerStarted(logger, function.FunctionName, function.Schedule, firstDue);
            _loops.Add(RunAsync(function, firstDue, _stopping.Token));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        // A tick in progress sees the cancellation; wait for it, but no longer than the host allows.
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(TimerFunction function, DateTimeOffset? due, CancellationToken stopping)
    {
        DateTimeOffset? last = null;
        while (due is { } occurrence && !stopping.IsCancellationRequested)
        {
            try
            {
                var wait = occurrence - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stopping).ConfigureAwait(false);
                }
                var started = time.GetUtcNow();
                var tick = new TimerTick(started, TimerSchedule.IsPastDue(occurrence, started), last);
                await invoker.InvokeAsync(function, tick, "local", stopping).ConfigureAwait(false);
                last = occurrence;
                due = TimerSchedule.NextAfterRun(function.Cron, occurrence, started);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {FunctionName} runs on '{Schedule}', first at {FirstDue}")]
    private static partial void LogTimerStarted(ILogger logger, string functionName, string schedule, DateTimeOffset? firstDue);
}
