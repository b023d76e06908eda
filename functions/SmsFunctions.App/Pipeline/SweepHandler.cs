using Microsoft.Extensions.Options;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Timer (every minute): the outbox's backstop. Drains every Schedule row that is due and older than the grace
/// period, page after page (FireScheduled takes one page per tick), so a burst or an outage of the queue cannot
/// leave accepted messages behind.
/// </summary>
public sealed class SweepHandler(ScheduledDispatch dispatch, IOptionsMonitor<PipelineOptions> options, TimeProvider time) : ITimerHandler
{
    public const string FunctionName = "Sweep";
    public const string Schedule = "0 * * * * *";

    public async Task RunAsync(TimerTick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var opts = options.CurrentValue;
        for (var page = 0; page < 100; page++)
        {
            var moved = await dispatch.MoveDueAsync(time.GetUtcNow() - opts.OutboxGrace, opts.FireBatchSize, cancellationToken);
            if (moved < opts.FireBatchSize / 2) { break; }
        }
    }
}
