using SmsFunctions.Core.Retry;

namespace SmsFunctions.Carriers.Routing;

/// <summary>Routing rules, bound from <c>Sms:Routing</c>. Validated on start against the registered carriers.</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Sms:Routing";

    /// <summary>Key of the catch-all rule in <see cref="Rules"/>.</summary>
    public const string AnyCountry = "*";

    public static readonly IReadOnlyList<int> DefaultRetryDelaysMilliseconds = [200, 1000];

    /// <summary>The carrier for a country that no rule (not even <c>*</c>) matches. <c>Sandbox</c> or <c>Kannel</c>
    /// or any other registered carrier's name.</summary>
    public string DefaultCarrier { get; set; } = "Sandbox";

    /// <summary>ISO 3166 alpha-2 country code (e.g. <c>IT</c>) or <c>*</c> → ordered fallback chain of carrier names.
    /// Environment variables cannot spell <c>*</c>: there, rely on <see cref="DefaultCarrier"/>.</summary>
    public Dictionary<string, List<string>> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits before retrying a carrier that was throttled or failed transiently; once they are used up the
    /// next carrier of the chain is tried. Null: <see cref="DefaultRetryDelaysMilliseconds"/>; empty: no retries.</summary>
    public List<int>? RetryDelaysMilliseconds { get; set; }

    /// <summary>The retry delays in effect.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays =>
        (RetryDelaysMilliseconds ?? DefaultRetryDelaysMilliseconds).Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();

    /// <summary>The retry delays as a schedule for one carrier, without jitter so routing stays deterministic.</summary>
    public RetrySchedule RetrySchedule => new(RetryDelays, jitterFraction: 0, maxAttempts: RetryDelays.Count + 1);

    /// <summary>The fallback chain for a destination country: its rule, else <c>*</c>, else <see cref="DefaultCarrier"/>.</summary>
    public IReadOnlyList<string> ChainFor(string? countryCode)
    {
        if (!string.IsNullOrEmpty(countryCode) && Rules.TryGetValue(countryCode, out var chain) && chain.Count > 0)
        {
            return chain;
        }

        return Rules.TryGetValue(AnyCountry, out var any) && any.Count > 0 ? any : [DefaultCarrier];
    }
}
