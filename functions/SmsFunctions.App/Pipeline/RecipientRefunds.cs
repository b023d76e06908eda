using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>Gives one recipient's charge back with an idempotent ledger line (the port a test fakes).</summary>
public interface IRefundLedger
{
    /// <summary>Adds the refund's ledger line exactly once however often it is called for the same recipient (with the
    /// same <paramref name="dueAt"/>, which names the ledger line). Returns once it is durable; an exception means
    /// "unknown, call again".</summary>
    Task RefundAsync(string accountId, decimal amount, string messageId, string number, DateTimeOffset dueAt, CancellationToken cancellationToken);
}

/// <summary><see cref="IRefundLedger"/> on the credit ledger, keyed by <c>refund:{messageId}:{number}</c>.</summary>
public sealed class CreditLedgerRefunds(CreditLedger ledger) : IRefundLedger
{
    public static string ChangeId(string messageId, string number) => LedgerChangeIds.RecipientRefund(messageId, number);

    public async Task RefundAsync(string accountId, decimal amount, string messageId, string number, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        if (amount <= 0m)
        {
            return;
        }

        // The refund's time is the row's (stable while the refund is due), so a pass in another process after a crash
        // names the same ledger line and finds it, however long after (verify).
        await ledger.AddAsync(accountId, amount, LedgerKinds.Refund, messageId, changeId: ChangeId(messageId, number), at: dueAt, verify: true, cancellationToken: cancellationToken);
    }
}

/// <summary>
/// Pays the refunds the lifecycle decided are owed (<see cref="RefundStatus.Due"/>: the recipient certainly never
/// reached a carrier): the ledger line first (idempotent by its change id), then <see cref="RecordRefund"/> on the
/// recipient row, so the refund is visible and never paid twice. A crash between the two leaves the row Due; the
/// next pass (a redelivered dispatch message, the expiry, a poison handler) pays again with the same change id,
/// which the ledger answers without a second credit.
/// </summary>
public sealed class RecipientRefunds(IRefundLedger ledger, IRecipientOwner owner, TimeProvider time)
{
    public static bool IsDue(RecipientEntity row) =>
        row is not null && string.Equals(row.Refund, nameof(RefundStatus.Due), StringComparison.Ordinal);

    /// <summary>Refunds every row of <paramref name="rows"/> that is owed one. Throws if a ledger line's outcome is unknown
    /// (the caller's retry pays it, once).</summary>
    public async Task PayAsync(IEnumerable<RecipientEntity> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows.Where(IsDue))
        {
            var dueAt = row.UpdatedAt ?? SmsFunctions.Core.Messages.MessageId.CreatedAt(row.MessageId);
            await ledger.RefundAsync(row.AccountId, TableValues.ParseMoney(row.Price), row.MessageId, row.Number, dueAt, cancellationToken);
            await owner.ApplyAsync(row, new RecordRefund(time.GetUtcNow()), cancellationToken: CancellationToken.None);
            PipelineMetrics.Refunds.Add(1);
        }
    }
}
