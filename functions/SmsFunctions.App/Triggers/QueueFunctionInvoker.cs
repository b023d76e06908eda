using System.Diagnostics;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// Runs one queue message through its function's handler, the same way for both trigger sources: a fresh DI scope,
/// a span, metrics, and the poison rule (a message delivered more than <c>MaxDeliveryCount</c> times, or failing on
/// its last allowed delivery, goes to <c>HandlePoisonAsync</c>). What to do with the message afterwards is the
/// caller's business: complete/abandon locally, an HTTP status under the Functions host. A message given up on is
/// also recorded as a dead letter (<see cref="IDeadLetterRecorder"/>, when one is registered), to be reported and
/// replayed.
/// </summary>
internal sealed partial class QueueFunctionInvoker(
    IServiceScopeFactory scopes,
    IOptionsMonitor<TriggerRuntimeOptions> options,
    TimeProvider time,
    ILogger<QueueFunctionInvoker> logger,
    IEnumerable<IDeadLetterRecorder> recorders)
{
    private readonly IDeadLetterRecorder? _recorder = recorders.LastOrDefault();

    internal async Task<QueueInvocationOutcome> InvokeAsync(QueueFunction function, ReceivedQueueMessage message, string source, CancellationToken cancellationToken)
    {
        var maxDeliveryCount = options.CurrentValue.MaxDeliveryCount;
        TriggerTelemetry.RecordQueueLag(message, time.GetUtcNow());
        using var activity = TriggerTelemetry.StartQueueActivity(function, message, source);
        var started = time.GetTimestamp();

        var outcome = await InvokeCoreAsync(function, message, maxDeliveryCount, cancellationToken).ConfigureAwait(false);

        TriggerTelemetry.RecordInvocation(function.FunctionName, source, outcome.OutcomeTag, time.GetElapsedTime(started));
        activity?.SetTag("sms.outcome", outcome.OutcomeTag);
        if (outcome.Status is QueueInvocationStatus.Failed or QueueInvocationStatus.PoisonFailed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Reason);
        }
        return outcome;
    }

    private async Task<QueueInvocationOutcome> InvokeCoreAsync(QueueFunction function, ReceivedQueueMessage message, int maxDeliveryCount, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            IQueueMessageHandler handler;
            try
            {
                handler = (IQueueMessageHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
            }
            catch (InvalidOperationException ex)
            {
                // A wiring mistake, not a bad message: retry (with backoff) rather than poisoning good work.
                LogHandlerUnavailable(logger, ex, function.FunctionName, function.HandlerType.Name);
                return new QueueInvocationOutcome(QueueInvocationStatus.Failed, Reason: ex.Message);
            }

            if (message.DeliveryCount > maxDeliveryCount)
            {
                var reason = $"Delivered {message.DeliveryCount} times, more than the maximum of {maxDeliveryCount}.";
                return await PoisonAsync(function, handler, message, reason, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var result = await handler.HandleAsync(message, cancellationToken).ConfigureAwait(false);
                if (result.IsCompleted)
                {
                    return QueueInvocationOutcome.Completed;
                }
                LogRetryRequested(logger, function.FunctionName, message.Id, message.DeliveryCount, result.RetryDelay!.Value, result.Reason);
                return new QueueInvocationOutcome(QueueInvocationStatus.RetryRequested, result.RetryDelay, result.Reason);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return QueueInvocationOutcome.Cancelled;
            }
            catch (Exception ex)
            {
                LogHandlerFailed(logger, ex, function.FunctionName, message.Id, message.DeliveryCount, maxDeliveryCount);
                var reason = $"{ex.GetType().Name}: {ex.Message}";
                if (message.DeliveryCount >= maxDeliveryCount)
                {
                    return await PoisonAsync(function, handler, message, reason + $" (delivery {message.DeliveryCount} of {maxDeliveryCount})", cancellationToken).ConfigureAwait(false);
                }
                return new QueueInvocationOutcome(QueueInvocationStatus.Failed, Reason: reason);
            }
        }
    }

    private async Task<QueueInvocationOutcome> PoisonAsync(QueueFunction function, IQueueMessageHandler handler, ReceivedQueueMessage message, string reason, CancellationToken cancellationToken)
    {
        LogPoison(logger, function.FunctionName, message.Id, message.DeliveryCount, reason);
        try
        {
            await handler.HandlePoisonAsync(message, reason, cancellationToken).ConfigureAwait(false);
            if (_recorder is not null)
            {
                // After the handler recorded the terminal state; if this fails the message comes back and both run
                // again (handlers are idempotent), so it is never completed without its dead-letter record.
                await _recorder.RecordAsync(message, reason, cancellationToken).ConfigureAwait(false);
                TriggerTelemetry.RecordDeadLettered(message.QueueName, function.FunctionName);
            }
            return new QueueInvocationOutcome(QueueInvocationStatus.Poisoned, Reason: reason);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return QueueInvocationOutcome.Cancelled;
        }
        catch (Exception ex)
        {
            LogPoisonFailed(logger, ex, function.FunctionName, message.Id);
            return new QueueInvocationOutcome(QueueInvocationStatus.PoisonFailed, Reason: $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{FunctionName} cannot resolve its handler {HandlerType}")]
    private static partial void LogHandlerUnavailable(ILogger logger, Exception exception, string functionName, string handlerType);

    [LoggerMessage(Level = LogLevel.Information, Message = "{FunctionName} asked to retry message {MessageId} (delivery {DeliveryCount}) after {RetryDelay}: {Reason}")]
    private static partial void LogRetryRequested(ILogger logger, string functionName, string messageId, int deliveryCount, TimeSpan retryDelay, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{FunctionName} failed on message {MessageId} (delivery {DeliveryCount} of {MaxDeliveryCount})")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string functionName, string messageId, int deliveryCount, int maxDeliveryCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "{FunctionName} gives up on poison message {MessageId} after {DeliveryCount} deliveries: {Reason}")]
    private static partial void LogPoison(ILogger logger, string functionName, string messageId, int deliveryCount, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{FunctionName} could not record poison message {MessageId}; it stays on its queue and comes back")]
    private static partial void LogPoisonFailed(ILogger logger, Exception exception, string functionName, string messageId);
}
