using SmsFunctions.Carriers;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Applies delivery receipts (DLRs) from any carrier to recipient state. Idempotent and order-tolerant: the state
/// machine ignores a repeated receipt or one that would move a recipient backwards (SENT after DELIVERED), and an
/// ETag conflict (a concurrent receipt or the dispatcher's own write) is resolved by re-reading and deciding again.
/// </summary>
public sealed partial class ReceiptApplier(
    MessageHeaderCache headers,
    MessageStamp stamp,
    RecipientStateWriter writer,
    CallbackEnqueuer callbacks,
    TimeProvider time,
    ILogger<ReceiptApplier> logger) : IDeliveryReceiptSink
{
    public async Task AcceptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var found = false;
        string? repeated = null;
        var row = await writer.UpdateAsync(receipt.MessageId, receipt.Recipient, r =>
        {
            found = true;
            _ = LifecycleApiNames.TryParseApiName(r.State, out RecipientState current);
            var outcome = RecipientStateMachine.Classify(current, receipt.State);
            if (outcome != TransitionOutcome.Applied)
            {
                if (outcome == TransitionOutcome.Invalid) { LogInvalid(logger, receipt.MessageId, receipt.Recipient, current, receipt.State); }
                repeated = current == receipt.State ? r.AccountId : null;
                return false;
            }

            r.State = receipt.State.ToApiName();
            r.UpdatedAt = time.GetUtcNow();
            r.CarrierReference ??= receipt.CarrierReference;
            r.Carrier ??= receipt.Carrier;
            if (receipt.State is RecipientState.Sent or RecipientState.Buffered or RecipientState.Delivered) { r.SentAt ??= receipt.At; }
            if (receipt.State == RecipientState.Delivered) { r.DeliveredAt = receipt.At; }
            if (receipt.ErrorCode is not null) { r.ErrorCode = receipt.ErrorCode; r.ErrorDetail = receipt.Detail; }
            return true;
        }, cancellationToken);

        if (row is null)
        {
            if (!found) { LogUnknown(logger, receipt.Carrier, receipt.MessageId, receipt.Recipient); }

            // The same receipt again: perhaps the first one's answer was lost because this process died after
            // storing the state and before queuing its callback. Queue it once more, as a replay: it goes out only
            // if no attempt for this state is on record.
            if (repeated is { } accountId && (await headers.GetAsync(accountId, receipt.MessageId, cancellationToken)) is { CallbackJson.Length: > 0 })
            {
                await callbacks.EnqueueAsync([new CallbackEvent(accountId, receipt.MessageId, receipt.Recipient, receipt.State.ToApiName(), receipt.At, Replay: true)], cancellationToken: cancellationToken);
            }

            return;
        }

        PipelineMetrics.StateChanges.Add(1, new KeyValuePair<string, object?>("state", row.State));
        var header = await headers.GetAsync(row.AccountId, row.MessageId, cancellationToken);
        if (header is not null)
        {
            CallbackEvent[] events = [new CallbackEvent(row.AccountId, row.MessageId, row.Number, row.State, receipt.At)];
            await stamp.ApplyAsync(header, events, cancellationToken);
            if (!string.IsNullOrEmpty(header.CallbackJson))
            {
                await callbacks.EnqueueAsync(events, cancellationToken: cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Carrier} receipt for unknown recipient {Recipient} of message {MessageId}")]
    private static partial void LogUnknown(ILogger logger, string carrier, string messageId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receipt for {Recipient} of {MessageId} asks {From} -> {To}, which is not a valid move; ignored")]
    private static partial void LogInvalid(ILogger logger, string messageId, string recipient, RecipientState from, RecipientState to);
}
