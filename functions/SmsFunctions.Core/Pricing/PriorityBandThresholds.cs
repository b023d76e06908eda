namespace SmsFunctions.Core.Pricing;

/// <summary>Where priority values cross into a higher band.</summary>
/// <param name="HighThreshold">A priority at or above this is dispatched in the high band (default 1.50).</param>
public sealed record PriorityBandThresholds(decimal HighThreshold = 1.50m)
{
    public static PriorityBandThresholds Default { get; } = new();
}
