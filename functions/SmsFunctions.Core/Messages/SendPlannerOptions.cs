namespace SmsFunctions.Core.Messages;

/// <summary>Limits the planner enforces.</summary>
/// <param name="MaxParts">Most SMS parts one recipient's body may take (default 10: 1,530 GSM-7 septets or 670 UCS-2 units).</param>
/// <param name="MaxRecipients">Most distinct valid recipients in one message (default 100,000).</param>
/// <param name="MissingPlaceholderSample">How many numbers a missing-placeholder error lists.</param>
public sealed record SendPlannerOptions(int MaxParts = 10, int MaxRecipients = 100_000, int MissingPlaceholderSample = 10)
{
    public static SendPlannerOptions Default { get; } = new();
}
