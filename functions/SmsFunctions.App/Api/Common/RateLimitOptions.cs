using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.App.Api.Common;

/// <summary><c>Sms:RateLimit</c>: requests per second per token, unless the account sets its own.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Sms:RateLimit";

    /// <summary>High enough that one token driving the benchmarks never meets it.</summary>
    [Range(1, 1_000_000)]
    public int DefaultPerSecond { get; set; } = 5000;
}
