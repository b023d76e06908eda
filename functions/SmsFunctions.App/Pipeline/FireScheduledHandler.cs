using Microsoft.Extensions.Options;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Pipeline;

/// <summary>Timer: queues messages whose time has come. Rows younger than the outbox grace are left to the API's own
/// enqueue, so an immediate send is not queued twice in the normal case. With Service Bus it also hands the sends due
/// within <see cref="PipelineOptions.ScheduleAheadSeconds"/> to the queue, held until their time, so it runs once a
/// minute there (function.json) instead of every 5 s (<see cref="Schedule"/>, the local runtime's): a Flex
/// Consumption app is not woken every few seconds.</summary>
public sealed class FireScheduledHandler(ScheduledDispatch dispatch, IOptionsMonitor<PipelineOptions> options) : ITimerHandler
{
    public const string FunctionName = "FireScheduled";

    /// <summary>The local runtime's schedule (Storage Queues, no native scheduling).</summary>
    public const string Schedule = "*/5 * * * * *";

    public async Task RunAsync(TimerTick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var opts = options.CurrentValue;
        await dispatch.MoveDueAsync(tick.Now - opts.OutboxGrace, opts.FireBatchSize, cancellationToken);
        await dispatch.ScheduleAheadAsync(tick.Now, TimeSpan.FromSeconds(opts.ScheduleAheadSeconds ?? 0), opts.FireBatchSize, cancellationToken);
    }
}
