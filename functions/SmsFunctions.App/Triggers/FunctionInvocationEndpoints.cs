using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// Host mode: the Functions host calls <c>POST /{FunctionName}</c> for every queue and timer invocation and polls
/// <c>GET /</c> until the process answers. Answers are 200 with the host's response shape whenever the message is
/// settled (done, poisoned, or re-sent for a delayed retry — also after a failure, with <see cref="RetryBackoff"/>);
/// non-2xx only when the delayed re-send itself failed, to make the host abandon and redeliver.
/// </summary>
public static partial class FunctionInvocationEndpoints
{
    /// <summary>Maps the host-mode endpoints, but only under the Functions host (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>) or
    /// with <c>Sms:Runtime:HostMode</c> = true; otherwise maps nothing.</summary>
    public static IEndpointRouteBuilder MapFunctionInvocations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TriggerRuntimeOptions>>().Value;
        if (!TriggerRuntimeMode.ServesHostInvocations(options))
        {
            return endpoints;
        }
        endpoints.MapGet("/", () => TypedResults.Ok()).ExcludeFromDescription();
        endpoints.MapPost("/{functionName}", InvokeAsync).ExcludeFromDescription()
            .AddEndpointFilter(async (context, next) => IsFromHost(context.HttpContext.Connection)
                ? await next(context).ConfigureAwait(false)
                : Problem(StatusCodes.Status403Forbidden, SmsFunctions.App.Api.Common.ApiErrorCodes.InvocationForbidden, "Invocations come only from the Functions host.",
                    "The Functions host calls the handler over loopback; this request came from elsewhere."));
        return endpoints;
    }

    /// <summary>The Functions host runs beside us and calls over loopback: an invocation from any other address (a
    /// public listener, a proxy in front) could post a <c>DeliverCallback</c> or a dispatch, so it is refused.</summary>
    internal static bool IsFromHost(ConnectionInfo connection) =>
        connection.RemoteIpAddress is { } remote && System.Net.IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);

    private static async Task<IResult> InvokeAsync(
        string functionName,
        HttpContext context,
        FunctionCatalog catalog,
        QueueFunctionInvoker queueInvoker,
        TimerFunctionInvoker timerInvoker,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(FunctionInvocationEndpoints).FullName!);
        var invocationId = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InvocationId"] = invocationId, ["FunctionName"] = functionName });

        var isQueue = catalog.TryGetQueueFunction(functionName, out var queueFunction);
        var isTimer = !isQueue && catalog.TryGetTimerFunction(functionName, out _);
        if (!isQueue && !isTimer)
        {
            LogUnknownFunction(logger, functionName);
            return Problem(StatusCodes.Status404NotFound, "FUNCTION_NOT_FOUND", "No such function.", $"This app has no queue or timer function named '{functionName}'.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            LogMalformed(logger, ex, functionName, ex.Message);
            return Problem(StatusCodes.Status400BadRequest, "INVALID_INVOCATION", "The invocation body is not JSON.", ex.Message);
        }

        using (document)
        {
            try
            {
                return isQueue
                    ? await InvokeQueueAsync(queueFunction, document.RootElement, invocationId, context, queueInvoker, logger).ConfigureAwait(false)
                    : await InvokeTimerAsync(functionName, document.RootElement, catalog, timerInvoker, time, context).ConfigureAwait(false);
            }
            catch (InvalidInvocationException ex)
            {
                LogMalformed(logger, ex, functionName, ex.Message);
                return Problem(StatusCodes.Status400BadRequest, "INVALID_INVOCATION", "The invocation body cannot be decoded.", ex.Message);
            }
        }
    }

    private static async Task<IResult> InvokeQueueAsync(
        QueueFunction function,
        JsonElement invocation,
        string invocationId,
        HttpContext context,
        QueueFunctionInvoker invoker,
        ILogger logger)
    {
        var message = InvocationDecoder.DecodeQueueMessage(invocation, function, string.IsNullOrEmpty(invocationId) ? null : invocationId);
        var outcome = await invoker.InvokeAsync(function, message, "host", context.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case QueueInvocationStatus.Completed:
                return new InvocationResponse([$"{function.FunctionName} completed message {message.Id} (delivery {message.DeliveryCount})."]);
            case QueueInvocationStatus.Poisoned:
                return new InvocationResponse([$"{function.FunctionName} gave up on poison message {message.Id}: {outcome.Reason}"]);
            case QueueInvocationStatus.RetryRequested:
                // A retry the handler asked for starts a fresh count: a handler may legitimately retry many times.
                return await ResendLaterAsync(function, message, outcome.RetryDelay!.Value, priorDeliveries: 0, outcome.Reason, context, logger).ConfigureAwait(false);
            case QueueInvocationStatus.Failed:
            case QueueInvocationStatus.PoisonFailed:
                // A non-2xx answer would make Service Bus redeliver at once (abandon has no delay): re-send with the
                // backoff of this delivery and the deliveries so far, and settle this one, so the poison rule still
                // counts every attempt. Only if the re-send fails is the host asked to redeliver.
                return await ResendLaterAsync(function, message, RetryBackoff.ForDeliveryCount(message.DeliveryCount), message.DeliveryCount, outcome.Reason, context, logger).ConfigureAwait(false);
            default:
                return Problem(StatusCodes.Status500InternalServerError, "INVOCATION_FAILED", "The function failed; the host will redeliver the message.", outcome.Reason);
        }
    }

    /// <summary>Re-sends the message under a derived id (<see cref="RetryMessageId"/>: a re-send repeated because our
    /// answer was lost is dropped by duplicate detection) to become visible after <paramref name="delay"/>, and answers
    /// 200 so the host completes this delivery.</summary>
    private static async Task<IResult> ResendLaterAsync(QueueFunction function, ReceivedQueueMessage message, TimeSpan delay, int priorDeliveries, string? reason, HttpContext context, ILogger logger)
    {
        var sender = context.RequestServices.GetService<IQueueSender>();
        if (sender is null)
        {
            LogNoSender(logger, function.FunctionName, message.Id);
            return Problem(StatusCodes.Status500InternalServerError, "RETRY_NOT_SCHEDULED", "The retry could not be scheduled.", "No queue sender is registered.");
        }
        var retryId = RetryMessageId.Next(message.Id);
        try
        {
            var retry = new OutgoingQueueMessage(retryId, message.Body, delay, message.CorrelationId) { PriorDeliveries = priorDeliveries };
            await sender.SendAsync(function.QueueName, retry, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogResendFailed(logger, ex, function.FunctionName, message.Id, function.QueueName);
            return Problem(StatusCodes.Status500InternalServerError, "RETRY_NOT_SCHEDULED", "The retry could not be scheduled.", "Re-sending the message failed; the host will redeliver it.");
        }
        return new InvocationResponse([$"{function.FunctionName} will retry message {message.Id} (delivery {message.DeliveryCount}) as {retryId} after {delay}: {reason}"]);
    }

    private static async Task<IResult> InvokeTimerAsync(
        string functionName,
        JsonElement invocation,
        FunctionCatalog catalog,
        TimerFunctionInvoker invoker,
        TimeProvider time,
        HttpContext context)
    {
        catalog.TryGetTimerFunction(functionName, out var function);
        var tick = InvocationDecoder.DecodeTimerTick(invocation, function, time.GetUtcNow());
        var failure = await invoker.InvokeAsync(function, tick, "host", context.RequestAborted).ConfigureAwait(false);
        return failure is null
            ? new InvocationResponse([$"{function.FunctionName} ran{(tick.IsPastDue ? " (past due)" : string.Empty)}."])
            : Problem(StatusCodes.Status500InternalServerError, "INVOCATION_FAILED", "The timer function failed.", $"{failure.GetType().Name}: {failure.Message}");
    }

    private static ProblemHttpResult Problem(int status, string code, string title, string? detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });

    [LoggerMessage(Level = LogLevel.Warning, Message = "The host invoked unknown function {FunctionName}")]
    private static partial void LogUnknownFunction(ILogger logger, string functionName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Malformed invocation of {FunctionName}: {Problem}")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string functionName, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "{FunctionName} asked to retry message {MessageId} but no queue sender is registered; failing the invocation so the host redelivers")]
    private static partial void LogNoSender(ILogger logger, string functionName, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{FunctionName} could not re-send message {MessageId} to {QueueName} for a delayed retry; failing the invocation so the host redelivers")]
    private static partial void LogResendFailed(ILogger logger, Exception exception, string functionName, string messageId, string queueName);
}
