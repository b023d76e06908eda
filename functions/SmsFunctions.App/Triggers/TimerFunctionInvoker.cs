using System.Diagnostics;

namespace SmsFunctions.App.Triggers;

/// <summary>Runs one timer tick through its function's handler in a fresh DI scope, with a span and metrics. The
/// handler's exception is returned to the caller, which decides: the local runtime logs it and keeps the schedule, the
/// host endpoint answers 500 so the host records a failed invocation.</summary>
internal sealed partial class TimerFunctionInvoker(IServiceScopeFactory scopes, TimeProvider time, ILogger<TimerFunctionInvoker> logger)
{
    public async Task<Exception?> InvokeAsync(TimerFunction function, TimerTick tick, string source, CancellationToken cancellationToken)
    {
        using var activity = TriggerTelemetry.StartTimerActivity(function, tick, source);
        var started = time.GetTimestamp();
        Exception? failure = null;
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                var handler = (ITimerHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
                await handler.RunAsync(tick, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                LogTimerFailed(logger, ex, function.FunctionName, tick.Now);
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                failure = ex;
            }
        }
        TriggerTelemetry.RecordInvocation(function.FunctionName, source, failure is null ? "completed" : "failed", time.GetElapsedTime(started));
        return failure;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {FunctionName} failed on its tick at {TickTime}")]
    private static partial void LogTimerFailed(ILogger logger, Exception exception, string functionName, DateTimeOffset tickTime);
}
