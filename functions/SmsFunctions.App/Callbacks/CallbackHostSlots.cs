using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// How many webhook requests this process has open to one host at once (<see cref="CallbackOptions.MaxConcurrentPerHost"/>).
/// A delivery that finds its host's slots taken does not wait for one: it is queued again a little later, so a host
/// that stalls holds its own deliveries back and never the handlers every other account's webhooks need.
/// </summary>
public sealed class CallbackHostSlots(IOptionsMonitor<CallbackOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(host =>
        RateLimitPartition.GetConcurrencyLimiter(host, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, options.CurrentValue.MaxConcurrentPerHost),
            QueueLimit = 0,
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

    public void Dispose() => _limiter.Dispose();
}
