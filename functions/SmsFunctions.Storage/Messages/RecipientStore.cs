using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Messages;

/// <summary>The reads and ETag-guarded writes the owner of recipient state needs (and a test can fake).</summary>
public interface IRecipientRowStore
{
    Task<RecipientEntity?> GetAsync(string messageId, string number, CancellationToken cancellationToken = default);

    /// <summary>Replaces the row if its ETag still matches; false on a conflict (or when it is gone).</summary>
    Task<bool> TryReplaceAsync(RecipientEntity recipient, CancellationToken cancellationToken = default);

    /// <summary>Replaces rows of one message, one transaction per partition; false when any of them conflicted.</summary>
    Task<bool> TryReplaceBatchAsync(string messageId, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken = default);
}

/// <summary>
/// Recipients of a message, spread over the message's shards (<see cref="RecipientKeys"/>). Bulk writes go in
/// 100-entity batches of one partition, several at once.
/// Per-recipient updates (dispatch claims, receipts, cancellation) are ETag-guarded.
/// </summary>
public sealed class RecipientStore(SmsTables tables) : IRecipientRowStore
{
    public const int MaxPageSize = 100;

    /// <summary>Concurrent batches when writing a large recipient list.</summary>
    public int BatchConcurrency { get; init; } = 16;

    /// <summary>
    /// Inserts the recipients of a message that has none yet, in 100-row batches, several at once. Insert, not
    /// upsert: Azurite inserts 3-4 times faster than it upserts. A batch answered 409 was already written by an
    /// earlier attempt of the same batch (batches are atomic and numbers are unique within a message), so it counts
    /// as done.
    /// </summary>
    public Task InsertNewAsync(string messageId, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return SubmitByPartitionAsync(messageId, recipients, TableTransactionActionType.Add, toleratesConflict: true, cancellationToken);
    }

    /// <summary>
    /// Writes the recipients of one message (all with the same partition key) with upsert-replace, so a retried
    /// write after a partial failure converges instead of failing on the rows already there.
    /// </summary>
    public Task UpsertAsync(string messageId, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return SubmitByPartitionAsync(messageId, recipients, TableTransactionActionType.UpsertReplace, toleratesConflict: false, cancellationToken);
    }

    /// <summary>Sets each row's partition (its shard) and writes every partition's rows in batches, partitions side by side.</summary>
    private async Task SubmitByPartitionAsync(
        string messageId, IReadOnlyList<RecipientEntity> recipients, TableTransactionActionType type, bool toleratesConflict, CancellationToken cancellationToken)
    {
        foreach (var row in recipients)
        {
            row.PartitionKey = RecipientKeys.PartitionKey(messageId, row.RowKey);
        }

        var partitions = recipients.GroupBy(r => r.PartitionKey).ToList();
        var perPartition = Math.Max(1, BatchConcurrency / Math.Max(1, partitions.Count));
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, BatchConcurrency), CancellationToken = cancellationToken },
            async (partition, ct) => await TableBatches.SubmitAsync(
                tables.RecipientsOf(partition.Key), partition.Key, partition.Select(r => new TableTransactionAction(type, r)).ToList(), perPartition, toleratesConflict, ct));
    }

    public async Task<RecipientEntity?> GetAsync(string messageId, string number, CancellationToken cancellationToken = default)
    {
        var partitionKey = RecipientKeys.PartitionKey(messageId, number);
        var response = await tables.RecipientsOf(partitionKey).GetEntityIfExistsAsync<RecipientEntity>(partitionKey, number, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// One page of a message's recipients, optionally only those in <paramref name="state"/>: table by table (see
    /// <see cref="RecipientKeys.TablesOf"/>), each in partition then number order. The continuation is
    /// <c>{table ordinal}:{table service continuation}</c>. With <paramref name="accountId"/>, only that account's rows
    /// (the API's reads: a message id says nothing about whose message it is).
    /// </summary>
    public async Task<TablePage<RecipientEntity>> ListAsync(
        string messageId, int pageSize, string? continuationToken, string? state = null, string? accountId = null, CancellationToken cancellationToken = default)
    {
        var filter = accountId is null ? Filter(messageId, state) : Filter(messageId, state) + $" and AccountId eq {TableValues.Quote(accountId)}";
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var tablesOf = RecipientKeys.TablesOf(messageId);
        var (ordinal, inner) = ParseContinuation(continuationToken);
        var rows = new List<RecipientEntity>(size);
        for (; ordinal < tablesOf.Count; ordinal++, inner = null)
        {
            var want = size - rows.Count;
            await foreach (var page in tables.Recipients[tablesOf[ordinal]].QueryAsync<RecipientEntity>(filter, want, cancellationToken: cancellationToken)
                               .AsPages(inner, want).WithCancellation(cancellationToken))
            {
                rows.AddRange(page.Values);
                if (!string.IsNullOrEmpty(page.ContinuationToken))
                {
                    return new TablePage<RecipientEntity>(rows, $"{ordinal}:{page.ContinuationToken}");
                }

                break;
            }

            if (rows.Count >= size)
            {
                return new TablePage<RecipientEntity>(rows, ordinal + 1 < tablesOf.Count ? $"{ordinal + 1}:" : null);
            }
        }

        return new TablePage<RecipientEntity>(rows, null);
    }

    /// <summary>Reads <c>{ordinal}:{inner}</c>; a token without an ordinal is the first table's own continuation.</summary>
    private static (int Ordinal, string? Inner) ParseContinuation(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (0, null);
        }

        var colon = token.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(token.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal)
            ? (ordinal, colon + 1 < token.Length ? token[(colon + 1)..] : null)
            : (0, token);
    }

    private static string Filter(string messageId, string? state) =>
        string.IsNullOrEmpty(state) ? RecipientKeys.MessageFilter(messageId) : RecipientKeys.MessageFilter(messageId) + $" and State eq {TableValues.Quote(state)}";

    /// <summary>Every recipient of the message (optionally in <paramref name="state"/>), streamed page by page, table by table.</summary>
    public async IAsyncEnumerable<RecipientEntity> QueryAsync(
        string messageId, string? state = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = Filter(messageId, state);
        foreach (var table in RecipientKeys.TablesOf(messageId))
        {
            await foreach (var row in tables.Recipients[table].QueryAsync<RecipientEntity>(filter, 1000, cancellationToken: cancellationToken))
            {
                yield return row;
            }
        }
    }

    /// <summary>Recipients per state, with a projection query that reads only the state column.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountByStateAsync(string messageId, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in RecipientKeys.TablesOf(messageId))
        {
            await foreach (var row in tables.Recipients[table].QueryAsync<TableEntity>(
                               RecipientKeys.MessageFilter(messageId), 1000, [nameof(RecipientEntity.State)], cancellationToken))
            {
                var state = row.GetString(nameof(RecipientEntity.State)) ?? string.Empty;
                counts[state] = counts.TryGetValue(state, out var n) ? n + 1 : 1;
            }
        }

        return counts;
    }

    /// <summary>The numbers already on the message (reads only the keys).</summary>
    public async Task<HashSet<string>> NumbersAsync(string messageId, CancellationToken cancellationToken = default)
    {
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in RecipientKeys.TablesOf(messageId))
        {
            await foreach (var row in tables.Recipients[table].QueryAsync<TableEntity>(
                               RecipientKeys.MessageFilter(messageId), 1000, ["RowKey"], cancellationToken))
            {
                numbers.Add(row.RowKey);
            }
        }

        return numbers;
    }

    /// <summary>Replaces the recipient if nobody changed it since it was read (its <see cref="RecipientEntity.ETag"/>); false on a conflict.</summary>
    public async Task<bool> TryReplaceAsync(RecipientEntity recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        try
        {
            var response = await tables.RecipientsOf(recipient.PartitionKey).UpdateEntityAsync(recipient, recipient.ETag, TableUpdateMode.Replace, cancellationToken);
            recipient.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Applies several ETag-guarded replacements of one message's recipients as one batch (all or nothing);
    /// false when any of them changed since it was read (that shard's batch is rolled back; rows of different shards
/// go in separate transactions).
    /// </summary>
    public async Task<bool> TryReplaceBatchAsync(string messageId, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            return true;
        }

        if (recipients.Count > TableBatches.MaxActions || recipients.Any(r => r.MessageId != messageId))
        {
            throw new ArgumentException($"A batch holds at most {TableBatches.MaxActions} recipients of message {messageId}.", nameof(recipients));
        }

        if (recipients.Count == 1)
        {
            return await TryReplaceAsync(recipients[0], cancellationToken); // Cheaper than a batch of one, same outcome.
        }

        // One transaction per partition (shard): atomic within a shard, not across shards.
        if (recipients.Select(r => r.PartitionKey).Distinct(StringComparer.Ordinal).Skip(1).Any())
        {
            var all = true;
            foreach (var shard in recipients.GroupBy(r => r.PartitionKey))
            {
                all &= await TryReplaceBatchAsync(messageId, shard.ToList(), cancellationToken);
            }

            return all;
        }

        try
        {
            var actions = recipients.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r, r.ETag)).ToList();
            var response = await tables.RecipientsOf(recipients[0].PartitionKey).SubmitTransactionAsync(actions, cancellationToken);
            for (var i = 0; i < recipients.Count; i++)
            {
                recipients[i].ETag = response.Value[i].Headers.ETag ?? default;
            }

            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }
}
