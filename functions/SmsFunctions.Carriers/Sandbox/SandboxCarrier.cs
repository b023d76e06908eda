using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SmsFunctions.Carriers.Sandbox;

/// <summary>
/// The in-process carrier for a first run and for users testing their integrations: no network, deterministic,
/// scripted by <see cref="SandboxNumbers"/>. Receipts go to the <see cref="IDeliveryReceiptSink"/> on
/// <see cref="TimeProvider"/> timers, in script order for each submission; a failing sink is logged, never thrown.
/// </summary>
public sealed partial class SandboxCarrier : ICarrier, IAsyncDisposable
{
    public const string CarrierName = "Sandbox";

    private readonly IDeliveryReceiptSink _sink;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<SandboxCarrierOptions> _options;
    private readonly ILogger<SandboxCarrier> _logger;
    private readonly ConcurrentDictionary<ITimer, byte> _pending = new();
    private readonly ConcurrentDictionary<Task, byte> _emitting = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _logLock = new();
    private int _disposed;

    public SandboxCarrier(
        IDeliveryReceiptSink sink,
        TimeProvider time,
        IOptionsMonitor<SandboxCarrierOptions> options,
        ILogger<SandboxCarrier> logger)
    {
        _sink = sink;
        _time = time;
        _options = options;
        _logger = logger;
    }

    public string Name => CarrierName;

    /// <summary>Receipts scheduled but not yet handed to the sink.</summary>
    public int PendingReceipts => _pending.Count;

    public Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var script = SandboxScript.For(submission.Recipient);
        var result = script.Outcome switch
        {
            CarrierSubmitOutcome.Rejected => CarrierSubmitResult.Rejected($"Sandbox rejects {SandboxNumbers.RejectedAtSubmit} at submit."),
            CarrierSubmitOutcome.Throttled => CarrierSubmitResult.Throttled($"Sandbox throttles {SandboxNumbers.Throttled}."),
            CarrierSubmitOutcome.TransientError => CarrierSubmitResult.Transient($"Sandbox fails {SandboxNumbers.TransientError} transiently."),
            _ => CarrierSubmitResult.Accepted(ReferenceFor(submission)),
        };

        if (result.Outcome is CarrierSubmitOutcome.Accepted or CarrierSubmitOutcome.Rejected)
        {
            Record(submission, result);
        }

        if (result.Outcome == CarrierSubmitOutcome.Accepted)
        {
            Schedule(submission, result.CarrierReference!, script.Receipts);
        }

        return Task.FromResult(result);
    }

    /// <summary>Stable for a message and recipient, so repeated runs produce the same receipts.</summary>
    public static string ReferenceFor(CarrierSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(submission.MessageId + "|" + submission.Recipient));
        return "sbx-" + Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>Appends the submission to <see cref="SandboxCarrierOptions.SubmissionLogPath"/>, if set. The write
    /// reaches the operating system before the submit returns, so a killed process keeps its record.</summary>
    private void Record(CarrierSubmission submission, CarrierSubmitResult result)
    {
        if (_options.CurrentValue.SubmissionLogPath is not { Length: > 0 } path) { return; }
        var line = string.Join('\t', _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            submission.MessageId, submission.Recipient, result.Outcome.ToString(), result.CarrierReference ?? "-") + "\n";
        lock (_logLock)
        {
            File.AppendAllText(path, line);
        }
    }

    private void Schedule(CarrierSubmission submission, string reference, IReadOnlyList<SandboxReceiptStep> steps)
    {
        var quarter = TimeSpan.FromMilliseconds(_options.CurrentValue.ReceiptDelayMilliseconds / 4.0);
        // One completion per step: a step is handed to the sink only after the one before it, so receipts keep
        // script order even when real timers of nearby due times fire out of order or the sink is slow.
        var handed = steps.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var previous = i == 0 ? Task.CompletedTask : handed[i - 1].Task;
            var done = handed[i];
            var receipt = new DeliveryReceipt(
                submission.MessageId,
                submission.Recipient,
                step.State,
                At: default,
                CarrierName,
                reference,
                step.ErrorCode,
                Detail: step.ErrorCode is null ? null : $"Sandbox scripted {step.State} for {submission.Recipient}.",
                RepeatedUntilAcknowledged: false); // in-process timers: gone if the process dies

            // Each step gets its own timer from the submit time, so advancing a fake clock past several steps fires
            // them all. Armed only once tracked, so a very short delay cannot fire before the timer is known.
            var holder = new StrongBox<ITimer>();
            holder.Value = _time.CreateTimer(
                state =>
                {
                    var timer = ((StrongBox<ITimer>)state!).Value!;
                    if (!_pending.TryRemove(timer, out var _)) { return; }
                    timer.Dispose();
                    Track(EmitAsync(previous, receipt with { At = _time.GetUtcNow() }, done));
                },
                holder,
                Timeout.InfiniteTimeSpan,
                Timeout.InfiniteTimeSpan);
            _pending.TryAdd(holder.Value, 0);
            holder.Value.Change(quarter * step.Quarters, Timeout.InfiniteTimeSpan);
        }
    }

    private void Track(Task emission)
    {
        _emitting.TryAdd(emission, 0);
        _ = emission.ContinueWith(t => _emitting.TryRemove(t, out var _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task EmitAsync(Task previous, DeliveryReceipt receipt, TaskCompletionSource done)
    {
        try
        {
            // The previous step's own failure was logged by it; only shutdown stops the wait.
            await previous.WaitAsync(_stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stopping.Token.ThrowIfCancellationRequested();
            await _sink.AcceptAsync(receipt, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            LogReceiptDropped(receipt.MessageId, receipt.Recipient, receipt.State);
        }
#pragma warning disable CA1031 // A timer callback has no caller to rethrow to: the failure is logged, and the process must not crash.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogReceiptFailed(exception, receipt.MessageId, receipt.Recipient, receipt.State);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>Cancels receipts not yet emitted and waits for those being handed to the sink.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) { return; }

        foreach (var timer in _pending.Keys)
        {
            if (_pending.TryRemove(timer, out var _)) { timer.Dispose(); }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_emitting.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sandbox receipt {State} for message {MessageId} to {Recipient} could not be delivered to the sink")]
    private partial void LogReceiptFailed(Exception exception, string messageId, string recipient, Core.Lifecycle.RecipientState state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sandbox receipt {State} for message {MessageId} to {Recipient} dropped on shutdown")]
    private partial void LogReceiptDropped(string messageId, string recipient, Core.Lifecycle.RecipientState state);
}
