using System.Collections.Concurrent;
using SmsFunctions.App.Pipeline;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// The callbacks this process has in hand right now, one per recipient and state. The copy in hand ends on record
/// (delivered, retrying, given up, or deferred with its next copy queued) before its claim is released and before
/// its queue message is settled, so another copy that finds it held need not guess: a replay yields at once, and any
/// other copy waits for the release and then goes by the record. This is what keeps a replay from doubling a callback
/// that is still waiting for its host's slot with nothing on record yet (that wait can outlast the replay's delay);
/// across processes the replay delays keep the promise instead.
/// </summary>
public sealed class CallbackClaims
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new(StringComparer.Ordinal);

    /// <summary>The claim on <paramref name="e"/>'s recipient and state, to dispose once its outcome is on record; null
    /// when another copy holds it.</summary>
    public IDisposable? TryClaim(CallbackEvent e)
    {
        var key = KeyOf(e);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _held.TryAdd(key, released) ? new Claim(_held, key, released) : null;
    }

    /// <summary>The claim on <paramref name="e"/>'s recipient and state, waiting for another copy to release it; and
    /// whether it had to wait (then that copy's outcome is on record, or it dropped itself).</summary>
    public async Task<(IDisposable Claim, bool Waited)> ClaimAsync(CallbackEvent e, CancellationToken cancellationToken)
    {
        var key = KeyOf(e);
        var waited = false;
        while (true)
        {
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var held = _held.GetOrAdd(key, released);
            if (ReferenceEquals(held, released))
            {
                return (new Claim(_held, key, released), waited);
            }

            waited = true;
            await held.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Callbacks in hand (for tests and diagnostics).</summary>
    public int Count => _held.Count;

    private static string KeyOf(CallbackEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return string.Join('|', e.AccountId, e.MessageId, e.Recipient, e.State);
    }

    private sealed class Claim(ConcurrentDictionary<string, TaskCompletionSource> held, string key, TaskCompletionSource released) : IDisposable
    {
        public void Dispose()
        {
            if (held.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, released)))
            {
                released.TrySetResult();
            }
        }
    }
}
