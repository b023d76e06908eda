using Microsoft.Extensions.Options;

namespace SmsFunctions.Carriers.Routing;

/// <summary>Fails start-up when routing names a carrier that is not registered (a typo, or Kannel without a
/// <c>SendSmsUrl</c>), or a negative retry delay.</summary>
public sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    private readonly IReadOnlyCollection<string> _carriers;

    public RoutingOptionsValidator(IEnumerable<ICarrier> carriers) =>
        _carriers = carriers.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var known = string.Join(", ", _carriers.Order(StringComparer.Ordinal));

        if (!_carriers.Contains(options.DefaultCarrier))
        {
            failures.Add($"Sms:Routing:DefaultCarrier '{options.DefaultCarrier}' is not a registered carrier (registered: {known}).");
        }

        foreach (var (country, chain) in options.Rules)
        {
            if (country != RoutingOptions.AnyCountry && (country.Length != 2 || !country.All(char.IsAsciiLetter)))
            {
                failures.Add($"Sms:Routing:Rules key '{country}' is neither an ISO 3166 alpha-2 country code nor '*'.");
            }

            foreach (var carrier in chain.Where(c => !_carriers.Contains(c)))
            {
                failures.Add($"Sms:Routing:Rules:{country} names '{carrier}', which is not a registered carrier (registered: {known}). " +
                    "Kannel is registered only when Sms:Carriers:Kannel:SendSmsUrl is set.");
            }
        }

        if (options.RetryDelaysMilliseconds?.Any(ms => ms < 0) == true)
        {
            failures.Add("Sms:Routing:RetryDelaysMilliseconds must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
