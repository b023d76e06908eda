using Azure.Data.Tables;

namespace SmsFunctions.Storage.Tables;

/// <summary>
/// Entity-group transactions within the service's rules: at most <see cref="MaxActions"/> actions and one partition
/// key per batch. Azurite accepts cross-partition batches but Azure rejects them, so this is enforced here.
/// </summary>
public static class TableBatches
{
    public const int MaxActions = 100;

    /// <summary>Submits <paramref name="actions"/> (all in <paramref name="partitionKey"/>) as chunks of at most 100, several at once.</summary>
    public static Task SubmitAsync(
        TableClient table,
        string partitionKey,
        IReadOnlyList<TableTransactionAction> actions,
        int maxConcurrency,
        CancellationToken cancellationToken = default)
        => SubmitAsync(table, partitionKey, actions, maxConcurrency, toleratesConflict: false, cancellationToken);

    /// <summary>
    /// As <see cref="SubmitAsync(TableClient, string, IReadOnlyList{TableTransactionAction}, int, CancellationToken)"/>;
    /// with <paramref name="toleratesConflict"/> a batch answered 409 counts as done (inserts retried after a lost answer).
    /// </summary>
    public static async Task SubmitAsync(
        TableClient table,
        string partitionKey,
        IReadOnlyList<TableTransactionAction> actions,
        int maxConcurrency,
        bool toleratesConflict,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        foreach (var action in actions)
        {
            if (!string.Equals(action.Entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Every action of a batch must target partition '{partitionKey}'; found '{action.Entity.PartitionKey}'.", nameof(actions));
            }
        }

        if (actions.Count == 0)
        {
            return;
        }

        var chunks = (actions.Count + MaxActions - 1) / MaxActions;
        if (chunks == 1)
        {
            await SubmitOneAsync(table, actions, toleratesConflict, cancellationToken);
            return;
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunks),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxConcurrency), CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                var start = chunk * MaxActions;
                var count = Math.Min(MaxActions, actions.Count - start);
                var slice = new TableTransactionAction[count];
                for (var i = 0; i < count; i++)
                {
                    slice[i] = actions[start + i];
                }

                await SubmitOneAsync(table, slice, toleratesConflict, ct);
            });
    }

    private static async Task SubmitOneAsync(TableClient table, IEnumerable<TableTransactionAction> batch, bool toleratesConflict, CancellationToken cancellationToken)
    {
        var actions = batch as IReadOnlyList<TableTransactionAction> ?? batch.ToList();
        if (actions.Count == 1 && actions[0].ActionType is TableTransactionActionType.Add or TableTransactionActionType.UpsertReplace or TableTransactionActionType.UpsertMerge)
        {
            // One entity: the plain operation. Azurite parses a batch's multipart body at several times the cost of
            // the entity operation itself, and a single-recipient message is the most common send there is.
            await SubmitSingleAsync(table, actions[0], toleratesConflict, cancellationToken);
            return;
        }

        try
        {
            var response = await table.SubmitTransactionAsync(actions, cancellationToken);
            // Keep each written entity's new ETag, so a later conditional write needs no read first.
            for (var i = 0; i < actions.Count && i < response.Value.Count; i++)
            {
                if (actions[i].ActionType != TableTransactionActionType.Delete && response.Value[i].Headers.ETag is { } etag)
                {
                    actions[i].Entity.ETag = etag;
                }
            }
        }
        catch (TableTransactionFailedException ex) when (toleratesConflict && ex.Status == 409)
        {
            // Only for inserts of rows that nobody else writes: the same batch already succeeded once.
        }
    }

    private static async Task SubmitSingleAsync(TableClient table, TableTransactionAction action, bool toleratesConflict, CancellationToken cancellationToken)
    {
        try
        {
            var response = action.ActionType == TableTransactionActionType.Add
                ? await table.AddEntityAsync(action.Entity, cancellationToken)
                : await table.UpsertEntityAsync(action.Entity, action.ActionType == TableTransactionActionType.UpsertMerge ? TableUpdateMode.Merge : TableUpdateMode.Replace, cancellationToken);
            if (response.Headers.ETag is { } etag) { action.Entity.ETag = etag; }
        }
        catch (Azure.RequestFailedException ex) when (toleratesConflict && ex.Status == 409)
        {
            // As for a batch: the same insert already succeeded once.
        }
    }
}
