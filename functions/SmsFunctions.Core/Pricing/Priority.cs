using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Pricing;

/// <summary>The API's <c>priority</c>: a price multiplier from 1.00 to 10.00 with at most two decimals; higher jumps the queue.</summary>
public static class Priority
{
    public const decimal Default = 1.00m;
    public const decimal Min = 1.00m;
    public const decimal Max = 10.00m;
    private const string Field = "priority";

    /// <summary>Null when <paramref name="priority"/> is acceptable, else the error.</summary>
    public static DomainError? Validate(decimal priority)
    {
        if (priority < Min)
        {
            return new DomainError(ErrorCodes.PriorityTooLow, Field, $"The priority must be at least {Min:0.00}.");
        }

        if (priority > Max)
        {
            return new DomainError(ErrorCodes.PriorityTooHigh, Field, $"The priority can be at most {Max:0.00}.");
        }

        if (decimal.Round(priority, 2) != priority)
        {
            return new DomainError(ErrorCodes.PriorityTooPrecise, Field, "The priority can have at most two decimals.");
        }

        return null;
    }
}
