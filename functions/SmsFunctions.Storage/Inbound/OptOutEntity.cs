using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>A number that opted out of an account's messages: <c>OptOuts</c>, PK the account id, RK the number.</summary>
public sealed class OptOutEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    /// <summary><c>keyword</c> (the handset sent STOP) or <c>api</c> (imported or added by the account).</summary>
    public string Source { get; set; } = "api";

    /// <summary>The keyword's text, or the inbound message id, when <see cref="Source"/> is <c>keyword</c>.</summary>
    public string? Detail { get; set; }

    public DateTimeOffset At { get; set; }
}
