using System.Collections.Concurrent;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// Polls the queues of one <see cref="QueueListenerPlan"/> and runs their messages with at most
/// <c>MaxConcurrency</c> handlers at once. It never receives more messages than it has free slots (a message waiting
/// for a slot would burn its visibility timeout). Which queue to poll comes from a <see cref="WeightedBandSelector"/>;
/// a queue found empty is skipped for a back-off that doubles from <c>IdlePollMinMilliseconds</c> up to
/// <c>IdlePollMaxMilliseconds</c> and resets when it yields work, so idle queues cost a few polls a second, not a spin.
/// While a handler runs, its message's visibility is renewed every half timeout, so a long run (a batch of slow
/// webhooks) is not redelivered to another handler and done twice.
/// </summary>
internal sealed partial class QueueListener : IDisposable
{
    private readonly QueueListenerPlan _plan;
    private readonly IQueueReceiver _receiver;
    private readonly IQueueSender? _sender;
    private readonly QueueFunctionInvoker _invoker;
    private readonly TriggerRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<long, InFlightMessage> _inFlight = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private static readonly TimeSpan AbortedHandlerWait = TimeSpan.FromSeconds(5);
    private long _sequence;
    private Task _receiveLoop = Task.CompletedTask;

    public QueueListener(
        QueueListenerPlan plan,
        IQueueReceiver receiver,
        IQueueSender? sender,
        QueueFunctionInvoker invoker,
        TriggerRuntimeOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _plan = plan;
        _receiver = receiver;
        _sender = sender;
        _invoker = invoker;
        _options = options;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    public string Name => _plan.Name;

    public void Start() => _receiveLoop = Task.Run(() => ReceiveLoopAsync(_stopReceiving.Token));

    /// <summary>Stops receiving, lets in-flight handlers finish within the shutdown grace, then cancels the rest and
    /// returns their messages to their queues at once (abandon with no delay).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var pending = _inFlight.Values.Select(m => m.Done.Task).ToArray();
        if (pending.Length > 0)
        {
            LogDraining(_logger, _plan.Name, pending.Length, _options.ShutdownGrace);
            await Task.WhenAll(pending).WaitAsync(_options.ShutdownGrace, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var unfinished = _inFlight.Values.Where(m => m.TrySettle()).ToArray();
        await _abortHandlers.CancelAsync().ConfigureAwait(false);
        if (unfinished.Length > 0)
        {
            LogReturningUnfinished(_logger, _plan.Name, unfinished.Length);
            await Task.WhenAll(unfinished.Select(m => AbandonAsync(m.Message, TimeSpan.Zero))).ConfigureAwait(false);
            // Give the cancelled handlers a moment to unwind before the process goes on shutting down.
            await Task.WhenAll(unfinished.Select(m => m.Done.Task)).WaitAsync(AbortedHandlerWait, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        // _slots is not disposed: a handler cancelled at shutdown may still release its slot afterwards.
        _stopReceiving.Dispose();
        _abortHandlers.Dispose();
    }

    private async Task ReceiveLoopAsync(CancellationToken stopping)
    {
        var bands = _plan.Bands;
        var selector = new WeightedBandSelector([.. bands.Select(b => b.Weight)]);
        var idleMin = TimeSpan.FromMilliseconds(_options.IdlePollMinMilliseconds);
        var idleMax = TimeSpan.FromMilliseconds(_options.IdlePollMaxMilliseconds);
        var backoff = new TimeSpan[bands.Count];
        var nextPollAt = new DateTimeOffset[bands.Count];
        var batchSize = Math.Min(_options.ReceiveBatchSize, _options.MaxConcurrency);

        while (!stopping.IsCancellationRequested)
        {
            var granted = 0;
            try
            {
                await _slots.WaitAsync(stopping).ConfigureAwait(false);
                granted = 1;
                while (granted < batchSize && _slots.Wait(0, CancellationToken.None))
                {
                    granted++;
                }

                var now = _time.GetUtcNow();
                var band = selector.Next(i => nextPollAt[i] <= now);
                if (band < 0)
                {
                    ReleaseSlots(ref granted);
                    var wait = nextPollAt.Min() - now;
                    await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), _time, stopping).ConfigureAwait(false);
                    continue;
                }

                var queueName = bands[band].Function.QueueName;
                IReadOnlyList<ReceivedQueueMessage> messages;
                try
                {
                    messages = await _receiver.ReceiveAsync(queueName, granted, _options.VisibilityTimeout, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    LogReceiveFailed(_logger, ex, queueName);
                    messages = [];
                }

                if (messages.Count == 0)
                {
                    ReleaseSlots(ref granted);
                    backoff[band] = backoff[band] == TimeSpan.Zero ? idleMin : TimeSpan.FromTicks(Math.Min(backoff[band].Ticks * 2, idleMax.Ticks));
                    nextPollAt[band] = now + backoff[band];
                    continue;
                }

                backoff[band] = TimeSpan.Zero;
                nextPollAt[band] = default;
                foreach (var message in messages)
                {
                    if (granted == 0)
                    {
                        // The receiver returned more than asked for: still handle them, within the bound.
                        await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                        granted = 1;
                    }
                    granted--;
                    StartHandling(bands[band].Function, message);
                }
                ReleaseSlots(ref granted);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                ReleaseSlots(ref granted);
                return;
            }
        }
    }

    private void ReleaseSlots(ref int granted)
    {
        if (granted > 0)
        {
            _slots.Release(granted);
            granted = 0;
        }
    }

    /// <summary>Runs one message on the thread pool; its slot is released when it is settled.</summary>
    private void StartHandling(QueueFunction function, ReceivedQueueMessage message)
    {
        var key = Interlocked.Increment(ref _sequence);
        var inFlight = new InFlightMessage(message);
        _inFlight[key] = inFlight;
        _ = Task.Run(async () =>
        {
            try
            {
                await HandleAsync(function, inFlight).ConfigureAwait(false);
            }
            finally
            {
                _inFlight.TryRemove(key, out _);
                _slots.Release();
                inFlight.Done.TrySetResult();
            }
        });
    }

    private async Task HandleAsync(QueueFunction function, InFlightMessage inFlight)
    {
        QueueInvocationOutcome outcome;
        using (var renewing = new CancellationTokenSource())
        {
            var renewal = RenewWhileHandlingAsync(inFlight, renewing.Token);
            try
            {
                outcome = await _invoker.InvokeAsync(function, inFlight.Message, "local", _abortHandlers.Token).ConfigureAwait(false);
            }
            finally
            {
                await renewing.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        var message = inFlight.Message; // with the latest receipt
        if (!inFlight.TrySettle())
        {
            return; // shutdown has already returned it to the queue
        }
        switch (outcome.Status)
        {
            case QueueInvocationStatus.Completed:
            case QueueInvocationStatus.Poisoned:
                await CompleteAsync(message).ConfigureAwait(false);
                break;
            case QueueInvocationStatus.RetryRequested:
                await RetryLaterAsync(message, outcome.RetryDelay!.Value).ConfigureAwait(false);
                break;
            case QueueInvocationStatus.Failed:
            case QueueInvocationStatus.PoisonFailed:
                await AbandonAsync(message, RetryBackoff.ForDeliveryCount(message.DeliveryCount)).ConfigureAwait(false);
                break;
            default:
                await AbandonAsync(message, TimeSpan.Zero).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Renews the message's visibility every half timeout until <paramref name="stop"/>; a failed renewal is
    /// logged and tried again at the next tick (at worst the message reappears, and the idempotent handler skips it).</summary>
    private async Task RenewWhileHandlingAsync(InFlightMessage inFlight, CancellationToken stop)
    {
        var every = TimeSpan.FromTicks(Math.Max(_options.VisibilityTimeout.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks));
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(every, _time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                inFlight.Message = await _receiver.RenewAsync(inFlight.Message, _options.VisibilityTimeout, stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                LogRenewFailed(_logger, ex, inFlight.Message.QueueName, inFlight.Message.Id);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A retry the handler asked for. Normally the message is abandoned with that delay; but an abandoned message keeps
    /// its delivery count, so on its last allowed delivery it is re-sent as a fresh message instead (as host mode always
    /// does) — a handler that legitimately retries many times (webhook backoff) must not be poisoned for it.
    /// </summary>
    private async Task RetryLaterAsync(ReceivedQueueMessage message, TimeSpan delay)
    {
        if (_sender is not null && message.DeliveryCount >= _options.MaxDeliveryCount)
        {
            try
            {
                await _sender.SendAsync(message.QueueName, new OutgoingQueueMessage(RetryMessageId.Next(message.Id), message.Body, delay, message.CorrelationId)).ConfigureAwait(false);
                await CompleteAsync(message).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                LogResendFailed(_logger, ex, message.QueueName, message.Id);
            }
        }
        await AbandonAsync(message, delay).ConfigureAwait(false);
    }

    private async Task CompleteAsync(ReceivedQueueMessage message)
    {
        try
        {
            await _receiver.CompleteAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Handled but not removed: it reappears after its visibility timeout and the idempotent handler skips it.
            LogSettleFailed(_logger, ex, "complete", message.QueueName, message.Id);
        }
    }

    private async Task AbandonAsync(ReceivedQueueMessage message, TimeSpan delay)
    {
        try
        {
            await _receiver.AbandonAsync(message, delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not lost: it reappears when its visibility timeout runs out.
            LogSettleFailed(_logger, ex, "abandon", message.QueueName, message.Id);
        }
    }

    /// <summary>A message being handled; exactly one of the handler's end and shutdown gets to settle it.</summary>
    private sealed class InFlightMessage(ReceivedQueueMessage message)
    {
        private int _settled;

        /// <summary>The message with its latest receipt (renewals replace it).</summary>
        public ReceivedQueueMessage Message { get; set; } = message;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the visibility of message {MessageId} on queue {QueueName}; trying again at the next renewal")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from queue {QueueName} failed; polling it again after a back-off")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string queueName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {Action} message {MessageId} on queue {QueueName}; it reappears after its visibility timeout")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string action, string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-send message {MessageId} to queue {QueueName} for a delayed retry; abandoning it instead")]
    private static partial void LogResendFailed(ILogger logger, Exception exception, string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listener {ListenerName} stopped receiving; waiting up to {Grace} for {Count} in-flight messages")]
    private static partial void LogDraining(ILogger logger, string listenerName, int count, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener {ListenerName} returns {Count} unfinished messages to their queues")]
    private static partial void LogReturningUnfinished(ILogger logger, string listenerName, int count);
}
