using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;

namespace SmsFunctions.App.Api.Auth;

/// <summary>
/// A token bucket per client address on every <c>/api</c> route, in front of authentication: an unauthenticated
/// caller (random tokens, receipts, health) is limited before it costs a token lookup, and routes outside the API's
/// group get a limit too. IPv6 callers are grouped by /64 (one host owns a whole /64). Behind the Functions host the
/// request arrives from loopback, and the client is the last <c>X-Forwarded-For</c> entry (the one Azure's front
/// end appended); the host's own invocations (outside <c>/api</c>) are not limited.
/// </summary>
public static class ClientAddressLimits
{
    public static IServiceCollection AddClientAddressLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((options, limits) =>
        {
            var perSecond = limits.Value.PerClientAddressPerSecond;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetNoLimiter(string.Empty)
                    : RateLimitPartition.GetTokenBucketLimiter(ClientAddress(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = perSecond,
                        TokensPerPeriod = perSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(ApiProblem.Create(StatusCodes.Status429TooManyRequests, ApiErrorCodes.RateLimited, "Too many requests.",
                        $"This client address may make {perSecond} requests per second. Retry after {seconds} s.",
                        new Dictionary<string, object?> { ["limitPerSecond"] = perSecond, ["retryAfterSeconds"] = seconds })
                    .ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
    }

    /// <summary>The partition of the caller: its address (an IPv6 address's /64), from <c>X-Forwarded-For</c> only
    /// when the connection itself comes from loopback (the Functions host forwarding for a client).</summary>
    public static string ClientAddress(HttpContext context)
    {
        var remote = ClientIp(context);
        if (remote is null)
        {
            return "unknown";
        }

        if (remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = remote.GetAddressBytes();
            bytes.AsSpan(8).Clear();
            return new IPAddress(bytes) + "/64";
        }

        return remote.ToString();
    }

    /// <summary>The caller's address: the connection's, or, when the connection comes from loopback (the Functions host
    /// forwarding for a client, a local proxy), the last <c>X-Forwarded-For</c> entry; null when unknown.</summary>
    public static IPAddress? ClientIp(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null && remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if ((remote is null || IPAddress.IsLoopback(remote))
            && context.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } forwarded
            && TryParseForwarded(forwarded[^1], out var client))
        {
            remote = client;
        }

        return remote;
    }

    private static bool TryParseForwarded(string value, out IPAddress address)
    {
        // "203.0.113.7", "203.0.113.7:51234", "[2001:db8::1]:51234"
        if (IPEndPoint.TryParse(value, out var endpoint))
        {
            address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
            return true;
        }

        address = IPAddress.None;
        return false;
    }
}
