using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace SmsFunctions.Storage.Scheduling;

/// <summary>
/// A row of the due-time index: PK <c>due-yyyyMMddHHmm</c> (the UTC minute of <see cref="DueAt"/>), RK message id.
/// </summary>
public sealed class ScheduleEntry : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string MessageId => RowKey;

    public string AccountId { get; set; } = string.Empty;

    public DateTimeOffset DueAt { get; set; }

    /// <summary>Priority band name (<see cref="Core.Pricing.PriorityBand"/>).</summary>
    public string Band { get; set; } = string.Empty;

    public int RecipientCount { get; set; }
}
