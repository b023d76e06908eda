using System.Globalization;
using System.Threading.RateLimiting;
using SmsFunctions.App.Api.Common;

namespace SmsFunctions.App.Api.Auth;

/// <summary>
/// Per-account rate limiting: a token bucket per account refilled every second with the account's
/// <c>rateLimitPerSecond</c>, shared by all of the account's tokens (minting more tokens does not buy more requests).
/// The partition key includes the limit, so a changed limit takes effect with the account cache (30 s). Admin and
/// anonymous requests are not limited here (anonymous ones are limited per client address, see <c>ClientAddressLimits</c>).
/// </summary>
public sealed class TokenRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<(string Token, int Limit)> _limiter = PartitionedRateLimiter.Create<(string Token, int Limit), (string Token, int Limit)>(
        key => RateLimitPartition.GetTokenBucketLimiter(key, k => new TokenBucketRateLimiterOptions
        {
            TokenLimit = k.Limit,
            TokensPerPeriod = k.Limit,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when the request may proceed, otherwise the seconds to wait.</summary>
    public int? TryAcquire(string accountId, int limit)
    {
        using var lease = _limiter.AttemptAcquire((accountId, Math.Max(1, limit)));
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Applies <see cref="TokenRateLimiter"/> to every endpoint of a group: 429 with <c>Retry-After</c> and a problem body.</summary>
public sealed class TokenRateLimitFilter(TokenRateLimiter limiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = context.HttpContext.User;
        var account = user.AccountIdOf();
        if (account is not null && int.TryParse(user.FindFirst(SmsClaims.RateLimit)?.Value, CultureInfo.InvariantCulture, out var limit))
        {
            var retryAfter = limiter.TryAcquire(account, limit);
            if (retryAfter is { } seconds)
            {
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return ApiProblem.Create(StatusCodes.Status429TooManyRequests, ApiErrorCodes.RateLimited, "Too many requests.",
                    $"This account may make {limit} requests per second, over all its tokens. Retry after {seconds} s.",
                    new Dictionary<string, object?> { ["limitPerSecond"] = limit, ["retryAfterSeconds"] = seconds });
            }
        }

        return await next(context);
    }
}
