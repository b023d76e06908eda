using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>One credit change: <c>Ledger</c> table, PK <c>{account id}|{second}</c>, RK inverted time of the change + a hash
/// of its id (newest first; the same change always has the same key, see <see cref="LedgerJournal"/>).</summary>
public sealed class LedgerEntry : ITableEntity
{
    /// <summary><c>{account id}|{first 12 of the 19 inverted-tick digits of the row key}</c>: a second of the account's
    /// ledger per partition (see <see cref="Tables.AccountPartitions"/>).</summary>
    public string PartitionKey { get; set; } = string.Empty;

    /// <summary>Leading row-key digits that name the partition: 10^7 ticks, one second.</summary>
    public const int BucketDigits = 12;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary><see cref="LedgerKinds"/>: charge, penalty, refund or topup.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Signed: negative for charges and penalties, positive for refunds and top-ups.</summary>
    public string Amount { get; set; } = "0";

    public string BalanceAfter { get; set; } = "0";

    public string? MessageId { get; set; }

    /// <summary>The change's id (<c>charge:{messageId}</c>, <c>refund:{messageId}:{number}</c> …): each is applied once.</summary>
    public string? ChangeId { get; set; }

    public DateTimeOffset At { get; set; }
}
