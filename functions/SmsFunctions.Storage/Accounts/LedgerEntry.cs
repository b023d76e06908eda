using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>One credit change: <c>Ledger</c> table, PK account id, RK inverted time + random (newest first).</summary>
public sealed class LedgerEntry : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary><see cref="LedgerKinds"/>: charge, penalty, refund or topup.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Signed: negative for charges and penalties, positive for refunds and top-ups.</summary>
    public string Amount { get; set; } = "0";

    public string BalanceAfter { get; set; } = "0";

    public string? MessageId { get; set; }

    public DateTimeOffset At { get; set; }
}
