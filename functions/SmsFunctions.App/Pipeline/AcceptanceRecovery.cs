using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Settles a send whose request died between its outbox row and its message row (and whose client did not come back
/// with its Idempotency-Key): the message id is tombstoned — so that a late retry of that request cannot store it
/// any more — and whatever was charged for it is refunded, once. Either the message row or the tombstone is written
/// first (one insert decides), so a message is either accepted and paid, or abandoned and refunded, never both.
/// </summary>
public sealed partial class AcceptanceRecovery(MessageStore messages, CreditLedger ledger, TimeProvider time, ILogger<AcceptanceRecovery> logger)
{
    /// <summary>Tombstones <paramref name="messageId"/> unless its message exists, and refunds its charge. True when the
    /// message is (now) abandoned and refunded; false when the message exists after all.</summary>
    public async Task<bool> SettleAsync(string accountId, string messageId)
    {
        var now = time.GetUtcNow();
        var tombstone = new MessageEntity
        {
            PartitionKey = MessageEntity.PartitionKeyOf(accountId, messageId),
            RowKey = messageId,
            State = MessageState.Canceled.ToApiName(),
            DispatchState = DispatchStates.None,
            AbandonedAt = now,
            CreatedAt = MessageId.CreatedAt(messageId),
            UpdatedAt = now,
            CancelledAt = now,
        };
        MessageEntity stored;
        try
        {
            await messages.InsertAsync(tombstone, CancellationToken.None);
            stored = tombstone;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            var found = await messages.GetIncludingAbandonedAsync(accountId, messageId, CancellationToken.None);
            if (found?.AbandonedAt is null)
            {
                return false; // Stored after all: an accepted message, paid for.
            }

            stored = found;
        }

        var refunded = 0m;
        var charge = LedgerChangeIds.Charge(messageId);
        if (await ledger.FindAsync(accountId, charge, MessageId.CreatedAt(messageId)) is { } line
            && -Storage.Tables.TableValues.ParseMoney(line.Amount) is > 0m and var amount)
        {
            // The tombstone's time names the refund, so whoever settles the message again refunds the same change.
            await ledger.AddAsync(accountId, amount, LedgerKinds.Refund, messageId, changeId: LedgerChangeIds.RefundOf(charge), at: stored.AbandonedAt!.Value, verify: true);
            refunded = amount;
        }

        LogSettled(logger, messageId, accountId, refunded);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} of {AccountId} was never stored by the request that charged it: abandoned, {Refunded} refunded")]
    private static partial void LogSettled(ILogger logger, string messageId, string accountId, decimal refunded);
}
