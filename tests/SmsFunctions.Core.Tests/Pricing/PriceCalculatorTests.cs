using SmsFunctions.Core.Pricing;

namespace SmsFunctions.Core.Tests.Pricing;

public class PriceCalculatorTests
{
    private static readonly PriceList Prices = new("EUR", 0.0900m, new Dictionary<string, decimal>
    {
        ["IT"] = 0.0450m,
        ["GB"] = 0.03333m,
    });

    [Fact]
    public void PriceIsPerPartTimesPartsTimesPriority()
        => Assert.Equal(0.2700m, PriceCalculator.PriceFor(Prices, "IT", 3, 2.00m));

    [Fact]
    public void UnlistedCountryUsesTheDefaultPrice()
        => Assert.Equal(0.0900m, PriceCalculator.PriceFor(Prices, "FR", 1, 1.00m));

    [Fact]
    public void CountryLookupToleratesLowerCase()
        => Assert.Equal(0.0450m, PriceCalculator.PriceFor(Prices, "it", 1, 1.00m));

    [Fact]
    public void PriceIsRoundedToFourDecimalsAwayFromZero()
    {
        // 0.03333 × 3 × 1.5 = 0.149985 → 0.1500 (banker's rounding would also give 0.1500; 0.00005 shows the difference)
        Assert.Equal(0.1500m, PriceCalculator.PriceFor(Prices, "GB", 3, 1.50m));
        Assert.Equal(0.0001m, PriceCalculator.Round(0.00005m));
        Assert.Equal(0.0003m, PriceCalculator.Round(0.00025m));
    }

    [Fact]
    public void ZeroPartsCostNothing() => Assert.Equal(0m, PriceCalculator.PriceFor(Prices, "IT", 0, 1m));

    [Fact]
    public void NegativePartsAreRejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => PriceCalculator.PriceFor(Prices, "IT", -1, 1m));
}
