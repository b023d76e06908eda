using System.Globalization;
using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Core.Senders;
using SmsFunctions.Core.Templates;

namespace SmsFunctions.Core.Messages;

/// <summary>
/// The pure composition behind <c>POST /messages</c>, shared by dry runs and real sends: validate the sender,
/// body, priority and recipients, render templates, count parts, price, and check content policy. It never throws
/// for bad input; everything wrong is in <see cref="SendPlan.Errors"/> or <see cref="SendPlan.InvalidRecipients"/>.
/// </summary>
/// <remarks>
/// Built for 100,000 recipients: a body without placeholders is smart-encoded, counted and policy-checked once, and
/// recipients share it (<see cref="PlannedRecipient.RenderedBody"/> is null). With placeholders each recipient's
/// body is rendered, smart-encoded (when asked; replacements in field values are added to the report), counted and
/// policy-checked (so a forbidden word cannot slip in through a field); per-recipient work stops after the first
/// recipient whose body is blocked. Prices use the requested priority even when it is invalid (the plan is then not
/// sendable), so a dry run still shows what it would cost.
/// </remarks>
public static class SendPlanner
{
    public static SendPlan Plan(SendDraft draft, PriceList prices, ContentPolicyChecker policy, SendPlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(policy);
        options ??= SendPlannerOptions.Default;
        var errors = new List<DomainError>();

        var sender = SenderIdValidator.Validate(draft.Sender);
        if (!sender.IsValid)
        {
            errors.Add(sender.Error);
        }

        var replacements = new ReplacementTally();
        var body = draft.Body ?? string.Empty;
        if (string.IsNullOrWhiteSpace(body))
        {
            errors.Add(new DomainError(ErrorCodes.BodyRequired, "body", "A message body is required."));
            body = string.Empty;
        }
        else if (draft.SmartEncoding)
        {
            var encoded = SmartEncoder.Apply(body);
            replacements.Add(encoded.Replacements);
            body = encoded.Text;
        }

        if (Priority.Validate(draft.Priority) is { } priorityError)
        {
            errors.Add(priorityError);
        }

        var list = RecipientListBuilder.Build(draft.Recipients ?? []);
        if (draft.Recipients is null || draft.Recipients.Count == 0)
        {
            errors.Add(new DomainError(ErrorCodes.RecipientsRequired, "recipients", "At least one recipient is required."));
        }
        else if (list.Valid.Count == 0)
        {
            errors.Add(new DomainError(ErrorCodes.NoValidRecipients, "recipients",
                $"None of the {list.Invalid.Count} recipient(s) is a valid international number; see the invalid recipients."));
        }
        else if (list.Valid.Count > options.MaxRecipients)
        {
            errors.Add(new DomainError(ErrorCodes.TooManyRecipients, "recipients",
                $"A message can have at most {options.MaxRecipients} recipients; this one has {list.Valid.Count}."));
        }

        var template = BodyTemplate.Parse(body);
        foreach (var missing in TemplateCheck.FindMissing(template, list.Valid, options.MissingPlaceholderSample))
        {
            errors.Add(new DomainError(ErrorCodes.MissingPlaceholder, "recipients", DescribeMissing(missing)));
        }

        var verdict = policy.Check(sender.Sender ?? draft.Sender, body);
        var templateSegments = SegmentCounter.Count(body);
        var planned = new List<PlannedRecipient>(list.Valid.Count);
        var encoding = templateSegments.Encoding;
        var characters = templateSegments.CharactersCount;
        var messageCount = templateSegments.MessageCount;
        var tooLong = 0;
        var totalParts = 0;
        var totalPrice = 0m;
        string? longestBody = template.HasPlaceholders ? null : body;


        foreach (var recipient in list.Valid)
        {
            string? rendered = null;
            var segments = templateSegments;
            if (template.HasPlaceholders)
            {
                if (!RecipientBody.TryRender(template, recipient.Fields, draft.SmartEncoding, out rendered, out _, out var encodedChars))
                {
                    continue; // already reported as a missing placeholder
                }

                replacements.Add(encodedChars);

                segments = SegmentCounter.Count(rendered);
                if (!verdict.Blocked)
                {
                    verdict = policy.CheckBody(rendered);
                }

                if (longestBody is null)
                {
                    // First rendered body: message-level figures describe rendered bodies, not the template.
                    (encoding, characters, messageCount) = (SmsEncoding.Gsm7, 0, 0);
                }

                if (segments.Encoding == SmsEncoding.Ucs2)
                {
                    encoding = SmsEncoding.Ucs2;
                }

                if (longestBody is null || segments.MessageCount > messageCount || (segments.MessageCount == messageCount && segments.CharactersCount > characters))
                {
                    messageCount = segments.MessageCount;
                    characters = segments.CharactersCount;
                    longestBody = rendered;
                }
            }

            if (segments.MessageCount > options.MaxParts)
            {
                tooLong++;
            }

            var price = PriceCalculator.PriceFor(prices, recipient.Recipient.CountryCode, segments.MessageCount, draft.Priority);
            totalParts += segments.MessageCount;
            totalPrice += price;
            planned.Add(new PlannedRecipient(recipient.Recipient, recipient.Fields, rendered, segments, price));
        }

        if (!template.HasPlaceholders && templateSegments.MessageCount > options.MaxParts && body.Length > 0)
        {
            errors.Add(TooLong(options, templateSegments, null));
        }
        else if (tooLong > 0)
        {
            errors.Add(TooLong(options, new SegmentInfo(encoding, characters, messageCount, characters), tooLong));
        }

        if (draft.FailOnMultipleMessages && messageCount > 1 && longestBody is not null)
        {
            errors.Add(new DomainError(ErrorCodes.AlertMultipleMessages, "body",
                DescribeMultiple(longestBody, new SegmentInfo(encoding, characters, messageCount, characters))));
        }

        return new SendPlan(
            errors,
            list.Invalid,
            verdict,
            planned,
            body,
            sender.Kind,
            encoding,
            characters,
            messageCount,
            totalParts,
            PriceCalculator.Round(totalPrice),
            prices.Currency,
            PriorityBands.For(draft.Type, draft.Priority),
            replacements.ToList(),
            list.DuplicatesMerged);
    }

    private static DomainError TooLong(SendPlannerOptions options, SegmentInfo segments, int? recipients)
    {
        var capacity = options.MaxParts * segments.MultiPartCapacity;
        var who = recipients is null ? "The body" : $"For {recipients} recipient(s) the rendered body";
        return new DomainError(ErrorCodes.BodyTooLong, "body", string.Create(CultureInfo.InvariantCulture,
            $"{who} needs {segments.MessageCount} SMS parts ({segments.CharactersCount} {segments.Encoding.ToApiName()} characters); at most {options.MaxParts} parts ({capacity} characters) are allowed."));
    }

    private static string DescribeMultiple(string body, SegmentInfo segments)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture,
            $"The message would be sent as {segments.MessageCount} SMS parts: ");
        if (segments.Encoding == SmsEncoding.Ucs2)
        {
            var offenders = SegmentCounter.NonGsmCharacters(body);
            var length = SegmentCounter.Count(body).CharactersCount;
            var shown = string.Join(", ", offenders.Take(10).Select(c => $"'{c}' (U+{char.ConvertToUtf32(c, 0):X4})"));
            var why = string.Create(CultureInfo.InvariantCulture,
                $"characters outside the GSM-7 alphabet ({shown}) force UCS-2 encoding, which fits {SegmentCounter.Ucs2SinglePart} characters in one SMS; the body has {length}.");
            return prefix + why + " Replace them or enable smart encoding.";
        }

        return prefix + string.Create(CultureInfo.InvariantCulture,
            $"the body is {segments.CharactersCount} GSM-7 characters (extension characters such as € count 2) and one SMS holds {SegmentCounter.Gsm7SinglePart}.");
    }

    private static string DescribeMissing(MissingPlaceholderReport missing)
    {
        var sample = string.Join(", ", missing.SampleNumbers);
        var more = missing.RecipientCount > missing.SampleNumbers.Count
            ? string.Create(CultureInfo.InvariantCulture, $" and {missing.RecipientCount - missing.SampleNumbers.Count} more")
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"The placeholder {{{{{missing.Placeholder}}}}} has no value for {missing.RecipientCount} recipient(s): {sample}{more}.");
    }

    private sealed class ReplacementTally
    {
        private readonly List<SmartReplacement> items = [];

        public void Add(IReadOnlyList<SmartReplacement> replacements)
        {
            foreach (var replacement in replacements)
            {
                var at = items.FindIndex(r => r.Original == replacement.Original);
                if (at < 0)
                {
                    items.Add(replacement);
                }
                else
                {
                    items[at] = items[at] with { Count = items[at].Count + replacement.Count };
                }
            }
        }

        public List<SmartReplacement> ToList() => items;
    }
}
