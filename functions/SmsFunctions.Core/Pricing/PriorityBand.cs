namespace SmsFunctions.Core.Pricing;

/// <summary>Dispatch bands, each with its own queue; dispatchers drain higher bands first.</summary>
public enum PriorityBand
{
    High,
    Normal,
    Low,
}
