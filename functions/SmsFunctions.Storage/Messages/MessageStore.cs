using Azure;
using Azure.Data.Tables;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Messages;

/// <summary>Messages of an account. Every update is ETag-guarded: callers re-read and decide again on a conflict.</summary>
public sealed class MessageStore(SmsTables tables)
{
    public const int MaxPageSize = 100;

    private readonly TableGroupCommit<MessageEntity> _inserts = new(tables.Messages, TableTransactionActionType.Add);

    /// <summary>
    /// Inserts a new message and sets its ETag. Concurrent inserts of one account share an entity-group transaction
    /// (see <see cref="TableGroupCommit{TEntity}"/>); each completes only once its own row is written, and fails
    /// with its own error (a 409 if the row exists) without failing the others.
    /// </summary>
    public Task<ETag> InsertAsync(MessageEntity message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _inserts.WriteAsync(message, cancellationToken);
    }

    /// <summary>The message, or null when there is none (or only the tombstone of a send that was never accepted).</summary>
    public async Task<MessageEntity?> GetAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
        => await GetIncludingAbandonedAsync(accountId, messageId, cancellationToken) is { AbandonedAt: null } message ? message : null;

    /// <summary>The message row as stored, tombstones (<see cref="MessageEntity.AbandonedAt"/>) included.</summary>
    public async Task<MessageEntity?> GetIncludingAbandonedAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
    {
        if (!MessageId.IsValid(messageId) || string.IsNullOrEmpty(accountId))
        {
            return null;
        }

        var response = await tables.Messages.GetEntityIfExistsAsync<MessageEntity>(MessageEntity.PartitionKeyOf(accountId, messageId), messageId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Replaces the message if nobody changed it since it was read; false on a conflict (412) or when it is gone.</summary>
    public async Task<bool> TryReplaceAsync(MessageEntity message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var response = await tables.Messages.UpdateEntityAsync(message, message.ETag, TableUpdateMode.Replace, cancellationToken);
            message.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>Merges only the given properties, guarded by <paramref name="ifMatch"/>; the new ETag, or null on a conflict.</summary>
    public async Task<ETag?> TryMergeAsync(TableEntity patch, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await tables.Messages.UpdateEntityAsync(patch, ifMatch, TableUpdateMode.Merge, cancellationToken);
            return response.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Several ETag-guarded merges of one account's messages as one entity-group transaction (all or nothing, at
    /// most 100, each message once): the new ETags in order, or null when any of them conflicted and nothing was written.
    /// </summary>
    public async Task<IReadOnlyList<ETag>?> TryMergeBatchAsync(IReadOnlyList<(TableEntity Patch, ETag IfMatch)> patches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patches);
        if (patches.Count == 0) { return []; }
        try
        {
            var actions = patches.Select(p => new TableTransactionAction(TableTransactionActionType.UpdateMerge, p.Patch, p.IfMatch)).ToList();
            var response = await tables.Messages.SubmitTransactionAsync(actions, cancellationToken);
            return response.Value.Select(r => r.Headers.ETag ?? default).ToList();
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>
    /// One page of the account's messages, newest first. The created-date filters become a row-key range (ids start
    /// with the inverted creation time), so they cost no scan beyond the range.
    /// </summary>
    public async Task<TablePage<MessageEntity>> ListAsync(
        string accountId, MessageQuery query, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        // Newest first: the partitions of the newest ids (smallest inverted time) first; the created-date bounds
        // narrow the partition range as well as the row-key range.
        var filter = AccountPartitions.Filter(accountId,
            query.CreatedTo is { } newest ? IdPrefix(newest)[..MessageEntity.BucketDigits] : null,
            query.CreatedFrom is { } oldest ? IdPrefix(oldest)[..MessageEntity.BucketDigits] : null);
        if (query.CreatedTo is { } to)
        {
            filter += $" and RowKey ge {TableValues.Quote(IdPrefix(to))}";
        }

        if (query.CreatedFrom is { } from)
        {
            filter += $" and RowKey lt {TableValues.Quote(IdPrefix(from) + "g")}";
        }

        if (!string.IsNullOrEmpty(query.State))
        {
            filter += $" and State eq {TableValues.Quote(query.State)}";
        }

        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        await foreach (var page in tables.Messages.QueryAsync<MessageEntity>(filter, size, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, size).WithCancellation(cancellationToken))
        {
            // Tombstones of sends that were never accepted are no one's messages.
            return new TablePage<MessageEntity>(page.Values.Where(m => m.AbandonedAt is null).ToList(), page.ContinuationToken);
        }

        return new TablePage<MessageEntity>([], null);
    }

    /// <summary>The leading (time) hex digits of every id created in the same millisecond as <paramref name="at"/>.</summary>
    internal static string IdPrefix(DateTimeOffset at) => MessageId.TimePrefix(at);
}
