namespace SmsFunctions.Core.Pricing;

/// <summary>Prices per SMS part: one per ISO 3166-1 alpha-2 country, and a default for countries not listed.</summary>
public sealed record PriceList(string Currency, decimal DefaultPricePerPart, IReadOnlyDictionary<string, decimal> PerCountry)
{
    /// <summary>The per-part price for <paramref name="countryCode"/> (looked up as given, then upper-cased), or the default.</summary>
    public decimal PricePerPart(string countryCode)
    {
        ArgumentNullException.ThrowIfNull(countryCode);
        if (PerCountry.TryGetValue(countryCode, out var price))
        {
            return price;
        }

        return PerCountry.TryGetValue(countryCode.ToUpperInvariant(), out price) ? price : DefaultPricePerPart;
    }
}
