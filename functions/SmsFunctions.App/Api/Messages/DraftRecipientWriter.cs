using Azure;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// The recipient writes of an open transaction (<see cref="MessageEditor"/>): adding DRAFT rows, withdrawing those a
/// closed transaction did not take, and moving them on when the transaction closes. Kept apart so that they can move
/// onto the single owner of recipient rows as a whole. None of them takes a client's token: they run after the money
/// moved, and money and rows must agree.
/// </summary>
public sealed class DraftRecipientWriter(RecipientStore recipients, SmsTables tables, TimeProvider time)
{
    private const int WriteAttempts = 3;
    private const int Concurrency = 16;

    /// <summary>
    /// Inserts new DRAFT rows (insert, never upsert: a retried or late write can neither double a row nor turn a row
    /// a closed transaction already moved on back into a draft). A batch answered 409 was written by an earlier try.
    /// On a failure that tries cannot overcome, reads back which rows are there: <c>Written</c> are those (and those
    /// whose outcome cannot be known count as written), <c>Missing</c> those certainly not written. Throws when even
    /// that cannot be read: then every row counts as written.
    /// </summary>
    public async Task<(IReadOnlyList<RecipientEntity> Written, IReadOnlyList<RecipientEntity> Missing, Exception? Error)> InsertAsync(
        string messageId, IReadOnlyList<RecipientEntity> rows)
    {
        Exception? error = null;
        for (var attempt = 0; attempt < WriteAttempts; attempt++)
        {
            try
            {
                await recipients.InsertNewAsync(messageId, rows, CancellationToken.None);
                return (rows, [], null);
            }
#pragma warning disable CA1031 // Whatever failed (the SDK gives up with an AggregateException), what is stored is read back below.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), time, CancellationToken.None);
            }
        }

        var present = await recipients.NumbersAsync(messageId, CancellationToken.None);
        var written = rows.Where(r => present.Contains(r.Number)).ToList();
        var missing = rows.Where(r => !present.Contains(r.Number)).ToList();
        return (written, missing, error);
    }

    /// <summary>
    /// The transaction closed (or ended otherwise) while <paramref name="numbers"/> were being added: those of them
    /// still DRAFT will never be sent. Deletes them, each guarded by its ETag so that a row the close (or a cancel)
    /// took meanwhile stays; returns the rows deleted, the only ones to refund.
    /// </summary>
    public async Task<IReadOnlyList<RecipientEntity>> WithdrawAsync(string messageId, IReadOnlySet<string> numbers)
    {
        var drafts = new List<RecipientEntity>();
        await foreach (var row in recipients.QueryAsync(messageId, RecipientState.Draft.ToApiName(), CancellationToken.None))
        {
            if (numbers.Contains(row.Number)) { drafts.Add(row); }
        }

        var withdrawn = new List<RecipientEntity>();
        await Parallel.ForEachAsync(drafts, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (row, ct) =>
        {
            try
            {
                await tables.RecipientsOf(row.PartitionKey).DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, CancellationToken.None);
                lock (withdrawn) { withdrawn.Add(row); }
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Taken by the close or a cancel meanwhile: it stays, and stays charged.
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                lock (withdrawn) { withdrawn.Add(row); } // Gone already (an earlier try of this delete).
            }
        });
        return withdrawn;
    }

    /// <summary>
    /// Closing the transaction: every DRAFT row (and any a close interrupted midway already moved) goes to
    /// <paramref name="state"/>, each change guarded by the row's ETag so that a cancel or a withdrawal that got there
    /// first wins. Returns the rows that are now to be sent.
    /// </summary>
    public async Task<IReadOnlyList<RecipientEntity>> CloseAsync(string messageId, RecipientState state, DateTimeOffset now)
    {
        var target = state.ToApiName();
        var all = new List<RecipientEntity>();
        await foreach (var row in recipients.QueryAsync(messageId, cancellationToken: CancellationToken.None))
        {
            all.Add(row);
        }

        var sending = new List<RecipientEntity>(all.Count);
        var changes = new List<RecipientEntity>();
        foreach (var row in all)
        {
            var current = LifecycleApiNames.TryParseApiName(row.State, out RecipientState s) ? s : RecipientState.Draft;
            if (current is RecipientState.Draft or RecipientState.Queued or RecipientState.Scheduled)
            {
                if (row.State != target) { changes.Add(row); }
                else { sending.Add(row); }
            }
        }

        var batches = changes.GroupBy(r => r.PartitionKey).SelectMany(p => p.Chunk(TableBatches.MaxActions)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (batch, ct) =>
        {
            var moved = await MoveAsync(messageId, batch, target, now);
            lock (sending) { sending.AddRange(moved); }
        });
        return sending;
    }

    /// <summary>One batch of one shard, all or nothing; on a conflict each row is read again and decided alone.</summary>
    private async Task<IReadOnlyList<RecipientEntity>> MoveAsync(string messageId, RecipientEntity[] batch, string target, DateTimeOffset now)
    {
        var previous = batch.Select(r => (r.State, r.UpdatedAt)).ToArray();
        foreach (var row in batch)
        {
            row.State = target;
            row.UpdatedAt = now;
        }

        if (await recipients.TryReplaceBatchAsync(messageId, batch, CancellationToken.None))
        {
            return batch;
        }

        var moved = new List<RecipientEntity>(batch.Length);
        for (var i = 0; i < batch.Length; i++)
        {
            (batch[i].State, batch[i].UpdatedAt) = previous[i];
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var current = await recipients.GetAsync(messageId, batch[i].Number, CancellationToken.None);
                if (current is null || !(LifecycleApiNames.TryParseApiName(current.State, out RecipientState s) && s is RecipientState.Draft or RecipientState.Queued or RecipientState.Scheduled))
                {
                    break; // Withdrawn or canceled meanwhile.
                }

                current.State = target;
                current.UpdatedAt = now;
                if (await recipients.TryReplaceAsync(current, CancellationToken.None))
                {
                    moved.Add(current);
                    break;
                }
            }
        }

        return moved;
    }
}
