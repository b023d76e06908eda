using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace SmsFunctions.Storage.Tables;

/// <summary>
/// Table rows as last read or written, kept for a short <c>lifetime</c> in a bounded <see cref="MemoryCache"/> (at most
/// <c>maxEntries</c>; past that a row is simply not kept and the next read goes to the table). Copies go in and come
/// out, so no two callers, nor a caller and the cache, ever share an entity that one of them may change.
/// Expiry follows the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class RecentRows<T> : IDisposable where T : class
{
    private readonly MemoryCache _cache;
    private readonly TimeSpan _lifetime;
    private readonly Func<T, T> _copy;

    public RecentRows(TimeSpan lifetime, int maxEntries, Func<T, T> copy, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentNullException.ThrowIfNull(copy);
        ArgumentNullException.ThrowIfNull(time);
        _lifetime = lifetime;
        _copy = copy;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = maxEntries, Clock = new TimeProviderClock(time) });
    }

    /// <summary>A copy of the row kept under <paramref name="key"/>, if one is there and still fresh.</summary>
    public bool TryGet(object key, [NotNullWhen(true)] out T? row)
    {
        if (_cache.TryGetValue(key, out T? kept) && kept is not null)
        {
            row = _copy(kept);
            return true;
        }

        row = null;
        return false;
    }

    /// <summary>Keeps a copy of <paramref name="row"/>, replacing what was kept under <paramref name="key"/>.</summary>
    public void Set(object key, T row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _cache.Set(key, _copy(row), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _lifetime });
    }

    public void Remove(object key) => _cache.Remove(key);

    public void Dispose() => _cache.Dispose();

    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
