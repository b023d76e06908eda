using System.Globalization;
using Azure;
using Azure.Data.Tables;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Scheduling;

/// <summary>
/// The due-time index, which is both the scheduler's index and the durable outbox: every accepted message that
/// should be sent (now or later) has a row here until the pipeline has handed it to a dispatch queue. Rows are
/// bucketed by UTC minute (<c>due-yyyyMMddHHmm</c>), so finding what is due is a range query over the buckets up to
/// now — never a scan of the messages.
/// </summary>
public sealed class ScheduleIndex(SmsTables tables)
{
    public const string PartitionPrefix = "due-";

    private readonly TableGroupCommit<ScheduleEntry> _upserts = new(tables.Schedule, TableTransactionActionType.UpsertReplace);

    public static string BucketOf(DateTimeOffset dueAt)
        => PartitionPrefix + dueAt.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds (or overwrites) the row for the message. Concurrent adds to one minute bucket share an entity-group
    /// transaction (see <see cref="TableGroupCommit{TEntity}"/>); each completes only once its own row is written.
    /// </summary>
    public async Task<ScheduleEntry> AddAsync(
        string accountId, string messageId, DateTimeOffset dueAt, PriorityBand band, int recipientCount, CancellationToken cancellationToken = default)
    {
        var entry = new ScheduleEntry
        {
            PartitionKey = BucketOf(dueAt),
            RowKey = messageId,
            AccountId = accountId,
            DueAt = dueAt,
            Band = band.ToString(),
            RecipientCount = recipientCount,
        };
        await _upserts.WriteAsync(entry, cancellationToken);
        return entry;
    }

    /// <summary>Removes the message's row for <paramref name="dueAt"/>; true when there was one.</summary>
    public async Task<bool> RemoveAsync(string messageId, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        try
        {
            await tables.Schedule.DeleteEntityAsync(BucketOf(dueAt), messageId, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Removes exactly this row if it is unchanged since it was read (a claim by a sweeper); false if someone else got there first.</summary>
    public async Task<bool> TryRemoveAsync(ScheduleEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await tables.Schedule.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, entry.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Moves the message's row from <paramref name="oldDueAt"/> to <paramref name="newDueAt"/> (add first, then remove: never zero rows).</summary>
    public async Task<ScheduleEntry> RescheduleAsync(
        string accountId, string messageId, DateTimeOffset oldDueAt, DateTimeOffset newDueAt, PriorityBand band, int recipientCount,
        CancellationToken cancellationToken = default)
    {
        var entry = await AddAsync(accountId, messageId, newDueAt, band, recipientCount, cancellationToken);
        if (BucketOf(oldDueAt) != entry.PartitionKey)
        {
            await RemoveAsync(messageId, oldDueAt, cancellationToken);
        }

        return entry;
    }

    public async Task<ScheduleEntry?> GetAsync(string messageId, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        var response = await tables.Schedule.GetEntityIfExistsAsync<ScheduleEntry>(BucketOf(dueAt), messageId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Up to <paramref name="max"/> rows due at or before <paramref name="upTo"/> (and, when given, after
    /// <paramref name="after"/>), oldest bucket first.</summary>
    public Task<IReadOnlyList<ScheduleEntry>> QueryDueAsync(DateTimeOffset upTo, int max, CancellationToken cancellationToken = default) =>
        QueryDueAsync(upTo, max, after: null, cancellationToken);

    /// <inheritdoc cref="QueryDueAsync(DateTimeOffset, int, CancellationToken)"/>
    public async Task<IReadOnlyList<ScheduleEntry>> QueryDueAsync(DateTimeOffset upTo, int max, DateTimeOffset? after, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var filter = $"PartitionKey ge {TableValues.Quote(after is { } from ? BucketOf(from) : PartitionPrefix)} and PartitionKey le {TableValues.Quote(BucketOf(upTo))}"
                     + $" and DueAt le datetime'{upTo.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)}'"
                     + (after is { } lower ? $" and DueAt gt datetime'{lower.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)}'" : string.Empty);
        var due = new List<ScheduleEntry>(Math.Min(max, 1000));
        await foreach (var entry in tables.Schedule.QueryAsync<ScheduleEntry>(filter, Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            due.Add(entry);
            if (due.Count >= max)
            {
                break;
            }
        }

        return due;
    }
}
