using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Message rows as the pipeline last saw them, for a short while: a bulk message's thousands of receipts and
/// callbacks need its callback settings, not thousands of reads of the same row. Writers refresh it; a stale copy
/// only costs an ETag conflict and a re-read. Each caller gets its own copy.
/// </summary>
public sealed class MessageHeaderCache(MessageStore messages, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;

    private readonly RecentRows<MessageEntity> _rows = new(Lifetime, MaxEntries, m => m.Copy(), time);

    public async Task<MessageEntity?> GetAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
    {
        if (_rows.TryGet((accountId, messageId), out var kept))
        {
            return kept;
        }

        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is not null) { Set(message); }
        return message;
    }

    /// <summary>Reads the row from storage, bypassing (and refreshing) the cache.</summary>
    public async Task<MessageEntity?> RefreshAsync(string accountId, string messageId, CancellationToken cancellationToken = default)
    {
        var message = await messages.GetAsync(accountId, messageId, cancellationToken);
        if (message is null) { _rows.Remove((accountId, messageId)); } else { Set(message); }
        return message;
    }

    /// <summary>Keeps a copy of <paramref name="message"/> as the latest known row.</summary>
    public void Set(MessageEntity message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _rows.Set((message.AccountId, message.Id), message);
    }

    public void Dispose() => _rows.Dispose();
}
