using System.Collections.Concurrent;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Message rows as the pipeline last saw them, for a short while: a bulk message's thousands of receipts and
/// callbacks need its callback settings, not thousands of reads of the same row. Writers refresh it; a stale copy
/// only costs an ETag conflict and a re-read.
/// </summary>
public sealed class MessageHeaderCache(MessageStore messages, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string, string), (MessageEntity Message, DateTimeOffset Until)> _entries = new();

    public async Task<MessageEntity?> GetAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
    {
        if (_entries.TryGetValue((accountId, messageId), out var entry) && entry.Until > time.GetUtcNow())
        {
            return entry.Message;
        }

        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is not null) { Set(message); }
        return message;
    }

    /// <summary>Reads the row from storage, bypassing (and refreshing) the cache.</summary>
    public async Task<MessageEntity?> RefreshAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
    {
        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is null) { _entries.TryRemove((accountId, messageId), out _); } else { Set(message); }
        return message;
    }

    public void Set(MessageEntity message)
    {
        if (_entries.Count >= MaxEntries)
        {
            var now = time.GetUtcNow();
            foreach (var stale in _entries.Where(e => e.Value.Until <= now).Select(e => e.Key).ToList()) { _entries.TryRemove(stale, out _); }
            if (_entries.Count >= MaxEntries) { _entries.Clear(); }
        }

        _entries[(message.AccountId, message.Id)] = (message, time.GetUtcNow() + Lifetime);
    }
}
