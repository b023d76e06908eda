using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.App.Api.Common;

/// <summary><c>Sms:RateLimit</c>: requests per second per account (over all its tokens), unless the account sets its
/// own, and per client address before authentication.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Sms:RateLimit";

    /// <summary>High enough that one token driving the benchmarks never meets it.</summary>
    [Range(1, 1_000_000)]
    public int DefaultPerSecond { get; set; } = 5000;

    /// <summary>Requests per second one client address may make to <c>/api</c>, checked before authentication.</summary>
    [Range(1, 1_000_000)]
    public int PerClientAddressPerSecond { get; set; } = 1000;
}
