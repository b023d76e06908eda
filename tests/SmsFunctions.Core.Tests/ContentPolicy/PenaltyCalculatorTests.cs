using SmsFunctions.Core.ContentPolicy;

namespace SmsFunctions.Core.Tests.ContentPolicy;

public class PenaltyCalculatorTests
{
    [Fact]
    public void DefaultPenaltyIsOneEuroPerPart() => Assert.Equal(3.00m, PenaltyCalculator.PenaltyFor(3));

    [Fact]
    public void PenaltyPerPartIsConfigurable() => Assert.Equal(1.50m, PenaltyCalculator.PenaltyFor(2, 0.75m));

    [Fact]
    public void NegativePartsAreRejected() => Assert.Throws<ArgumentOutOfRangeException>(() => PenaltyCalculator.PenaltyFor(-1));
}
