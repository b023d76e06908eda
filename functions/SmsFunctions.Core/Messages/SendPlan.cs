using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Core.Senders;

namespace SmsFunctions.Core.Messages;

/// <summary>
/// Everything the API needs to answer a send or a dry run: every validation error (not just the first), the
/// rejected recipients, the content-policy verdict, and the priced per-recipient plan.
/// </summary>
/// <param name="Body">The body after smart encoding (the template, when it has placeholders); empty when missing.</param>
/// <param name="Encoding">Message-level encoding: UCS-2 if any recipient's body needs it.</param>
/// <param name="CharactersCount">Message-level <c>charactersCount</c>: of the body when it has no placeholders, else the largest across recipients (the template's own count when there are none).</param>
/// <param name="MessageCount">Message-level <c>messageCount</c>, chosen the same way: what the longest recipient body takes.</param>
/// <param name="TotalParts">Parts summed over recipients: what is actually sent and billed.</param>
public sealed record SendPlan(
    IReadOnlyList<DomainError> Errors,
    IReadOnlyList<InvalidRecipient> InvalidRecipients,
    ContentPolicyVerdict Policy,
    IReadOnlyList<PlannedRecipient> Recipients,
    string Body,
    SenderIdKind? SenderKind,
    SmsEncoding Encoding,
    int CharactersCount,
    int MessageCount,
    int TotalParts,
    decimal TotalPrice,
    string Currency,
    PriorityBand Band,
    IReadOnlyList<SmartReplacement> SmartReplacements,
    int DuplicatesMerged)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>Valid and not blocked: safe to debit and enqueue.</summary>
    public bool CanSend => IsValid && !Policy.Blocked;
}
