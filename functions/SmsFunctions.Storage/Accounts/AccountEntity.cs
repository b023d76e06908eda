using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>A customer account: <c>Accounts</c> table, PK <c>account</c>, RK the account id. Money as invariant decimal strings.</summary>
public sealed class AccountEntity : ITableEntity
{
    public const string Partition = "account";

    public string PartitionKey { get; set; } = Partition;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Currency { get; set; } = "EUR";

    public string Credit { get; set; } = "0";

    /// <summary>The credit changes applied by recent balance writes whose ledger lines may not be written yet (see
    /// <see cref="LedgerJournal"/>); written only by <see cref="CreditLedger"/>.</summary>
    public string? Journal { get; set; }

    public bool Blocked { get; set; }

    public string? BlockedReason { get; set; }

    public DateTimeOffset? BlockedAt { get; set; }

    public int RateLimitPerSecond { get; set; }

    /// <summary>Secret for signing callbacks (HMAC); shown to the customer once, when the account is created.</summary>
    public string WebhookSecret { get; set; } = string.Empty;

    /// <summary>Optional per-account price list override as JSON (<c>{"defaultPricePerPart": "0.05", "perCountry": {"IT": "0.04"}}</c>).</summary>
    public string? PriceListJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Where inbound messages (MO) are posted: the callback JSON of a message (<c>url, method, field, headers, retry</c>).</summary>
    public string? InboundCallbackJson { get; set; }

    /// <summary>Answer to HELP (an ordinary, charged MT message); none when empty.</summary>
    public string? HelpText { get; set; }

    /// <summary>Confirmation sent for STOP; none when empty.</summary>
    public string? StopReply { get; set; }

    /// <summary>Confirmation sent for START; none when empty.</summary>
    public string? StartReply { get; set; }

    /// <summary>OTP messages are sent to numbers on the opt-out list (default: no).</summary>
    public bool OtpBypassesOptOut { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey;

    /// <summary>A field-by-field copy (all properties are values or immutable strings).</summary>
    public AccountEntity Copy() => (AccountEntity)MemberwiseClone();
}
