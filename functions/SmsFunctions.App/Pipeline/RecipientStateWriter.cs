using System.Collections.Concurrent;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The one place recipient rows change after acceptance (dispatch outcomes, receipts, expiry). Within this process,
/// changes to one recipient are serialised (striped locks) and the last written row, with its ETag, is remembered,
/// so a receipt usually costs one conditional write and no read. Across processes the ETag still decides: on a
/// conflict the row is re-read and the change decided again.
/// </summary>
public sealed class RecipientStateWriter(RecipientStore store)
{
    private const int Stripes = 1024;
    private const int MaxRemembered = 50_000;

    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly ConcurrentDictionary<(string, string), RecipientEntity> _rows = new();
    private readonly ConcurrentQueue<(string, string)> _order = new();

    /// <summary>Remembers rows just written elsewhere (claims), so the next change needs no read.</summary>
    public void Remember(RecipientEntity row)
    {
        var key = (row.MessageId, row.RowKey);
        _rows[key] = row.Copy();
        _order.Enqueue(key);
        while (_rows.Count > MaxRemembered && _order.TryDequeue(out var old))
        {
            _rows.TryRemove(old, out _);
        }
    }

    /// <summary>The row as this process last wrote or claimed it, if it still remembers it (for reads that can be a
    /// little stale, like a webhook's view); null otherwise.</summary>
    public RecipientEntity? Remembered(string messageId, string number) =>
        _rows.TryGetValue((messageId, number), out var row) ? row : null;

    public void Forget(string messageId, string number) => _rows.TryRemove((messageId, number), out _);

    /// <summary>
    /// Applies <paramref name="change"/> to the recipient's current row and writes it if the change says so (returns
    /// true). Returns the written row, or null when the recipient does not exist or the change declined.
    /// </summary>
    public async Task<RecipientEntity?> UpdateAsync(string messageId, string number, Func<RecipientEntity, bool> change, CancellationToken cancellationToken = default)
    {
        var key = (messageId, number);
        var gate = _locks[(int)((uint)HashCode.Combine(messageId, number) % Stripes)];
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; attempt < 8; attempt++)
            {
                var current = attempt == 0 && _rows.TryGetValue(key, out var known) ? known : await store.GetAsync(messageId, number, cancellationToken);
                if (current is null)
                {
                    return null;
                }

                var row = current.Copy();
                if (!change(row))
                {
                    _rows[key] = current;
                    return null;
                }

                if (await store.TryReplaceAsync(row, cancellationToken))
                {
                    Remember(row);
                    return row;
                }

                _rows.TryRemove(key, out _);
            }

            throw new InvalidOperationException($"Recipient {number} of message {messageId} kept changing under eight attempts to update it.");
        }
        finally
        {
            gate.Release();
        }
    }
}
