using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// How many webhook requests this process has open to one host at once (<see cref="CallbackOptions.MaxConcurrentPerHost"/>).
/// A delivery waits a little for one of its host's slots (<see cref="CallbackOptions.HostSlotWaitSeconds"/>, in
/// arrival order); one that still finds them taken is queued again a little later, so a host that stalls holds its own
/// deliveries back and never the handlers every other account's webhooks need.
/// </summary>
public sealed class CallbackHostSlots(IOptionsMonitor<CallbackOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(host =>
        RateLimitPartition.GetConcurrencyLimiter(host, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, options.CurrentValue.MaxConcurrentPerHost),
            QueueLimit = 100_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    /// <summary>A slot for the URL's host (authority: host and port) to dispose when the request is done, or null.</summary>
    public IDisposable? TryTake(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var lease = _limiter.AttemptAcquire(url.GetLeftPart(UriPartial.Authority).ToLowerInvariant());
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        return null;
    }

    /// <summary>A slot for the URL's host, waiting up to <paramref name="wait"/> for one; null if none came free.</summary>
    public async Task<IDisposable?> TakeAsync(Uri url, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (TryTake(url) is { } now) { return now; }
        if (wait <= TimeSpan.Zero) { return null; }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            var lease = await _limiter.AcquireAsync(url.GetLeftPart(UriPartial.Authority).ToLowerInvariant(), 1, timeout.Token).ConfigureAwait(false);
            if (lease.IsAcquired) { return lease; }
            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
