using Azure;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// The recipient writes of an open transaction (<see cref="MessageEditor"/>): adding DRAFT rows, withdrawing those a
/// closed transaction did not take, and releasing them when the transaction closes — that state change through the
/// recipient owner, like every other. Inserting and withdrawing (deleting) rows that were never accepted stay here:
/// they create and remove drafts, they do not change a recipient's state. None of them takes a client's token: they
/// run after the money moved, and money and rows must agree.
/// </summary>
public sealed class DraftRecipientWriter(RecipientStore recipients, IRecipientOwner owner, SmsTables tables, TimeProvider time)
{
    private const int WriteAttempts = 3;
    private const int Concurrency = 16;
    private const int ReleaseConcurrency = 512;

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
    /// <paramref name="state"/> through the recipient owner (<see cref="Release"/>), which decides each row on its
    /// current state, so that a cancel or a withdrawal that got there first wins. Returns the rows that are now to be
    /// sent.
    /// </summary>
    public async Task<IReadOnlyList<RecipientEntity>> CloseAsync(string messageId, RecipientState state, DateTimeOffset now)
    {
        var target = state.ToApiName();
        var open = new List<RecipientEntity>();
        await foreach (var row in recipients.QueryAsync(messageId, cancellationToken: CancellationToken.None))
        {
            if (LifecycleApiNames.TryParseApiName(row.State, out RecipientState current)
                && current is RecipientState.Draft or RecipientState.Queued or RecipientState.Scheduled)
            {
                open.Add(row);
            }
        }

        // Many at once, so that the owner's group commit fills its per-partition transactions.
        var sending = new List<RecipientEntity>(open.Count);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = ReleaseConcurrency }, async (row, _) =>
        {
            var outcome = await owner.ApplyAsync(row, new Release(state, now), cancellationToken: CancellationToken.None);
            if (outcome.Kind is DecisionKind.Applied or DecisionKind.Unchanged && outcome.Row is { } released && released.State == target)
            {
                lock (sending) { sending.Add(released); }
            }
        });
        return sending;
    }
}
