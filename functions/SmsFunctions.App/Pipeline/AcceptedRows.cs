using System.Collections.Concurrent;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The recipient rows of small messages this process has just accepted, as written (with their ETags), kept until
/// their dispatch takes them: the claim can then be written straight away instead of after a read. A row changed
/// since (a cancellation, another dispatcher) makes the ETag-guarded claim fail, and the claim falls back to a read.
/// </summary>
public sealed class AcceptedRows(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxMessages = 20_000;

    private readonly ConcurrentDictionary<string, (RecipientEntity[] Rows, DateTimeOffset Until)> _messages = new(StringComparer.Ordinal);

    /// <summary>Keeps copies of <paramref name="rows"/> when every one carries the ETag of its insert.</summary>
    public void Add(string messageId, IReadOnlyList<RecipientEntity> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || rows.Any(r => r.ETag == default))
        {
            return; // An insert answered 409 after a retry: its ETag is unknown.
        }

        if (_messages.Count >= MaxMessages)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _messages.Where(m => m.Value.Until <= now).Select(m => m.Key).ToList()) { _messages.TryRemove(stale, out _); }
            if (_messages.Count >= MaxMessages) { return; }
        }

        _messages[messageId] = (rows.Select(r => r.Copy()).ToArray(), time.GetUtcNow() + Lifetime);
    }

    /// <summary>Takes the rows of the message (they are used once); null when this process does not have them.</summary>
    public IReadOnlyList<RecipientEntity>? Take(string messageId) =>
        _messages.TryRemove(messageId, out var entry) && entry.Until > time.GetUtcNow() ? entry.Rows : null;
}
