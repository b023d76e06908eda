using SmsFunctions.Core.Pricing;

namespace SmsFunctions.Core.ContentPolicy;

/// <summary>The penalty charged when a message is blocked for forbidden content (seed 002: 1 euro per message part).</summary>
public static class PenaltyCalculator
{
    public const decimal DefaultPenaltyPerPart = 1.00m;

    public static decimal PenaltyFor(int parts, decimal penaltyPerPart = DefaultPenaltyPerPart)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        ArgumentOutOfRangeException.ThrowIfNegative(penaltyPerPart);
        return PriceCalculator.Round(parts * penaltyPerPart);
    }
}
