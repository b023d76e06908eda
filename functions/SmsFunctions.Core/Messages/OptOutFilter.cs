using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Messages;

/// <summary>
/// Suppression at send time: recipients on the account's opt-out list leave the plan — not sent, not charged — and
/// are reported like invalid numbers (code <see cref="ErrorCodes.OptedOut"/>). When every valid recipient has opted
/// out the plan gets the error <see cref="ErrorCodes.AllRecipientsOptedOut"/>.
/// </summary>
public static class OptOutFilter
{
    public static SendPlan Apply(SendPlan plan, Func<string, bool> isOptedOut)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(isOptedOut);
        if (plan.Recipients.Count == 0)
        {
            return plan;
        }

        List<PlannedRecipient>? kept = null;
        List<InvalidRecipient>? suppressed = null;
        for (var i = 0; i < plan.Recipients.Count; i++)
        {
            var recipient = plan.Recipients[i];
            if (isOptedOut(recipient.Number))
            {
                kept ??= [.. plan.Recipients.Take(i)];
                (suppressed ??= []).Add(new InvalidRecipient(recipient.Number, ErrorCodes.OptedOut, "The recipient has opted out of messages from this account (STOP)."));
            }
            else
            {
                kept?.Add(recipient);
            }
        }

        if (kept is null || suppressed is null)
        {
            return plan;
        }

        var errors = plan.Errors.ToList();
        if (kept.Count == 0)
        {
            errors.Add(new DomainError(ErrorCodes.AllRecipientsOptedOut, "recipients",
                $"Every recipient ({suppressed.Count}) has opted out of messages from this account; nothing was sent or charged."));
        }

        return plan with
        {
            Errors = errors,
            Recipients = kept,
            InvalidRecipients = [.. plan.InvalidRecipients, .. suppressed],
            TotalParts = kept.Sum(r => r.Segments.MessageCount),
            TotalPrice = PriceCalculator.Round(kept.Sum(r => r.Price)),
        };
    }
}
