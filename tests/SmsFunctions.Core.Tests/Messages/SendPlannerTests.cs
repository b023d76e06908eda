using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Core.Senders;

namespace SmsFunctions.Core.Tests.Messages;

public class SendPlannerTests
{
    private const string Italian = "+393331234567";
    private const string British = "+447400123456";

    private static readonly PriceList Prices = new("EUR", 0.10m, new Dictionary<string, decimal> { ["IT"] = 0.05m });
    private static readonly ContentPolicyChecker Policy = new([new ForbiddenTerm("t1", "viagra")]);

    private static SendDraft Draft(string? body = "Il tuo codice è 1234", params RecipientInput[] recipients)
        => new("Openapi", body, recipients.Length == 0 ? [new RecipientInput(Italian)] : recipients);

    private static Dictionary<string, string> Fields(params (string Key, string Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static SendPlan Plan(SendDraft draft) => SendPlanner.Plan(draft, Prices, Policy);

    [Fact]
    public void SimpleSendIsValidAndPriced()
    {
        var plan = Plan(Draft());

        Assert.True(plan.CanSend);
        Assert.Empty(plan.Errors);
        var recipient = Assert.Single(plan.Recipients);
        Assert.Equal(new Recipient(Italian, "39", "IT"), recipient.Recipient);
        Assert.Null(recipient.RenderedBody);
        Assert.Equal("Il tuo codice è 1234", recipient.BodyFor(plan));
        Assert.Equal(0.05m, recipient.Price);
        Assert.Equal((SmsEncoding.Gsm7, 20, 1), (plan.Encoding, plan.CharactersCount, plan.MessageCount));
        Assert.Equal((1, 0.05m, "EUR"), (plan.TotalParts, plan.TotalPrice, plan.Currency));
        Assert.Equal(SenderIdKind.Alphanumeric, plan.SenderKind);
        Assert.Equal(PriorityBand.Normal, plan.Band);
    }

    [Fact]
    public void PriceUsesCountryPartsAndPriority()
    {
        var draft = Draft(new string('a', 200), new RecipientInput(Italian), new RecipientInput(British)) with { Priority = 2.00m };

        var plan = Plan(draft);

        Assert.Equal([0.20m, 0.40m], plan.Recipients.Select(r => r.Price));
        Assert.Equal((4, 0.60m), (plan.TotalParts, plan.TotalPrice));
        Assert.Equal(PriorityBand.High, plan.Band);
    }

    [Fact]
    public void EveryErrorIsReportedNotJustTheFirst()
    {
        var plan = Plan(new SendDraft("x", "  ", [new RecipientInput("3331234567")], Priority: 0.5m));

        Assert.False(plan.IsValid);
        Assert.Equal(
            [ErrorCodes.SenderTooShort, ErrorCodes.BodyRequired, ErrorCodes.PriorityTooLow, ErrorCodes.NoValidRecipients],
            plan.Errors.Select(e => e.Code));
        Assert.Equal(ErrorCodes.MissingCountryPrefix, Assert.Single(plan.InvalidRecipients).Code);
    }

    [Fact]
    public void NoRecipientsAtAllIsRequired()
        => Assert.Contains(Plan(new SendDraft("Openapi", "hi", [])).Errors, e => e.Code == ErrorCodes.RecipientsRequired);

    [Fact]
    public void InvalidRecipientsAreReportedAlongsideValidOnes()
    {
        var plan = Plan(Draft("hi", new RecipientInput(Italian), new RecipientInput("+39-0212345678"), new RecipientInput("+39-3331234567")));

        Assert.True(plan.CanSend);
        Assert.Single(plan.Recipients);
        Assert.Equal(ErrorCodes.NotAMobile, Assert.Single(plan.InvalidRecipients).Code);
        Assert.Equal(1, plan.DuplicatesMerged);
    }

    [Fact]
    public void PlaceholdersAreRenderedPerRecipient()
    {
        var plan = Plan(Draft("Ciao {{nome}}",
            new RecipientInput(Italian, Fields(("nome", "Simone"))),
            new RecipientInput(British, Fields(("nome", "Bartholomew")))));

        Assert.True(plan.CanSend);
        Assert.Equal(["Ciao Simone", "Ciao Bartholomew"], plan.Recipients.Select(r => r.RenderedBody));
        Assert.Equal("Ciao {{nome}}", plan.Body);
        Assert.Equal(16, plan.CharactersCount); // the longest rendered body
    }

    [Fact]
    public void MissingPlaceholderIsOneErrorListingRecipients()
    {
        var recipients = Enumerable.Range(0, 25).Select(i => new RecipientInput($"+39333{i:D7}")).ToArray();

        var plan = Plan(Draft("Ciao {{nome}}", recipients));

        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorCodes.MissingPlaceholder, error.Code);
        Assert.Contains("{{nome}}", error.Detail, StringComparison.Ordinal);
        Assert.Contains("25 recipient(s)", error.Detail, StringComparison.Ordinal);
        Assert.Contains("+393330000009", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("+393330000010", error.Detail, StringComparison.Ordinal);
        Assert.Contains("and 15 more", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BodyOverTenPartsIsTooLong()
    {
        Assert.True(Plan(Draft(new string('a', 1530))).IsValid);

        var plan = Plan(Draft(new string('a', 1531)));

        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorCodes.BodyTooLong, error.Code);
        Assert.Contains("11 SMS parts", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderedBodyOverTheLimitIsTooLong()
    {
        var plan = Plan(Draft("{{x}}",
            new RecipientInput(Italian, Fields(("x", new string('a', 2000)))),
            new RecipientInput(British, Fields(("x", "short")))));

        Assert.Equal(ErrorCodes.BodyTooLong, Assert.Single(plan.Errors).Code);
        Assert.Contains("1 recipient(s)", plan.Errors[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void FailOnMultipleMessagesExplainsWhichCharactersForcedUcs2()
    {
        var plan = Plan(Draft("Ciao, ecco il tuo codice per l’accesso: è valido per dieci minuti. Grazie", new RecipientInput(Italian)) with
        {
            FailOnMultipleMessages = true,
        });

        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorCodes.AlertMultipleMessages, error.Code);
        Assert.Contains("'’' (U+2019)", error.Detail, StringComparison.Ordinal);
        Assert.Contains("UCS-2", error.Detail, StringComparison.Ordinal);
        Assert.Equal((SmsEncoding.Ucs2, 2), (plan.Encoding, plan.MessageCount));
    }

    [Fact]
    public void FailOnMultipleMessagesExplainsALongGsmBody()
    {
        var plan = Plan(Draft(new string('a', 161)) with { FailOnMultipleMessages = true });

        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorCodes.AlertMultipleMessages, error.Code);
        Assert.Contains("161 GSM-7 characters", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void SingleMessageDoesNotAlert()
        => Assert.Empty(Plan(Draft(new string('a', 160)) with { FailOnMultipleMessages = true }).Errors);

    [Fact]
    public void SmartEncodingAvoidsTheAlertAndReportsReplacements()
    {
        var plan = Plan(Draft("Ciao, ecco il tuo codice per l’accesso: è valido per dieci minuti. Grazie") with
        {
            FailOnMultipleMessages = true,
            SmartEncoding = true,
        });

        Assert.True(plan.CanSend);
        Assert.Equal((SmsEncoding.Gsm7, 1), (plan.Encoding, plan.MessageCount));
        Assert.Equal([new SmartReplacement('’', "'", 1)], plan.SmartReplacements);
        Assert.Contains("l'accesso", plan.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void SmartEncodingAlsoCleansFieldValuesAndTalliesThem()
    {
        var plan = Plan(Draft("Ciao {{nome}} – benvenuto",
            new RecipientInput(Italian, Fields(("nome", "D’Angelo"))),
            new RecipientInput(British, Fields(("nome", "O’Neil")))) with { SmartEncoding = true });

        Assert.Equal(["Ciao D'Angelo - benvenuto", "Ciao O'Neil - benvenuto"], plan.Recipients.Select(r => r.RenderedBody));
        Assert.Contains(new SmartReplacement('’', "'", 2), plan.SmartReplacements);
        Assert.Contains(new SmartReplacement('–', "-", 1), plan.SmartReplacements);
    }

    [Fact]
    public void WithoutSmartEncodingTheBodyIsUntouched()
    {
        var plan = Plan(Draft("l’accesso"));

        Assert.Equal("l’accesso", plan.Body);
        Assert.Empty(plan.SmartReplacements);
        Assert.Equal(SmsEncoding.Ucs2, plan.Encoding);
    }

    [Fact]
    public void ForbiddenBodyIsBlockedButNotAValidationError()
    {
        var plan = Plan(Draft("cheap VIAGRA"));

        Assert.True(plan.IsValid);
        Assert.False(plan.CanSend);
        Assert.Equal(("t1", "body"), (plan.Policy.TermId, plan.Policy.Field));
    }

    [Fact]
    public void ForbiddenWordInAFieldIsBlocked()
    {
        var plan = Plan(Draft("Ciao {{nome}}", new RecipientInput(Italian, Fields(("nome", "viagra")))));

        Assert.True(plan.Policy.Blocked);
    }

    [Fact]
    public void ForbiddenSenderIsBlocked()
        => Assert.Equal("sender", Plan(Draft() with { Sender = "Viagra" }).Policy.Field);

    [Fact]
    public void OtpIsDispatchedInTheHighBand()
        => Assert.Equal(PriorityBand.High, Plan(Draft() with { Type = MessageType.Otp }).Band);

    [Fact]
    public void HundredThousandRecipientsShareOneBody()
    {
        var recipients = Enumerable.Range(0, 100_000).Select(i => new RecipientInput($"+39333{i:D7}")).ToArray();

        var plan = Plan(Draft("Saldi: -50% su tutto!", recipients));

        Assert.True(plan.CanSend);
        Assert.Equal(100_000, plan.Recipients.Count);
        Assert.All(plan.Recipients, r => Assert.Null(r.RenderedBody));
        Assert.Equal(100_000, plan.TotalParts);
        Assert.Equal(5_000.00m, plan.TotalPrice);
    }

    [Fact]
    public void TooManyRecipientsIsAnError()
    {
        var plan = SendPlanner.Plan(Draft("hi", new RecipientInput(Italian), new RecipientInput(British)), Prices, Policy, new SendPlannerOptions(MaxRecipients: 1));

        Assert.Equal(ErrorCodes.TooManyRecipients, Assert.Single(plan.Errors).Code);
    }

    [Fact]
    public void NullBodyIsRequired()
        => Assert.Equal(ErrorCodes.BodyRequired, Assert.Single(Plan(Draft(body: null)).Errors).Code);
}
