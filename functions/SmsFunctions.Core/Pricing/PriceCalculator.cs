namespace SmsFunctions.Core.Pricing;

/// <summary>Message prices. Money is <see cref="decimal"/>, rounded once, at the end, to 4 decimals away from zero.</summary>
public static class PriceCalculator
{
    public const int Decimals = 4;

    /// <summary>Per-part price for the country × parts × priority.</summary>
    public static decimal PriceFor(PriceList prices, string countryCode, int parts, decimal priority)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        return Round(prices.PricePerPart(countryCode) * parts * priority);
    }

    public static decimal Round(decimal amount) => decimal.Round(amount, Decimals, MidpointRounding.AwayFromZero);
}
