using Microsoft.Extensions.Options;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Pipeline;

/// <summary>Timer (every 5 s): queues messages whose time has come. Rows younger than the outbox grace are left to
/// the API's own enqueue, so an immediate send is not queued twice in the normal case.</summary>
public sealed class FireScheduledHandler(ScheduledDispatch dispatch, IOptionsMonitor<PipelineOptions> options) : ITimerHandler
{
    public const string FunctionName = "FireScheduled";
    public const string Schedule = "*/5 * * * * *";

    public Task RunAsync(TimerTick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var opts = options.CurrentValue;
        return dispatch.MoveDueAsync(tick.Now - opts.OutboxGrace, opts.FireBatchSize, cancellationToken);
    }
}
