using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Tests.Messages;

public sealed class OptOutFilterTests
{
    private static readonly PriceList Prices = new("EUR", 0.05m, new Dictionary<string, decimal>());

    private static SendPlan Plan(params string[] numbers) => SendPlanner.Plan(
        new SendDraft("MyCompany", "Hello", [.. numbers.Select(n => new RecipientInput(n))]), Prices, ContentPolicyChecker.Empty);

    [Fact]
    public void OptedOutRecipientsAreNeitherSentNorChargedAndAreReportedAsOptedOut()
    {
        var plan = Plan("+393331234567", "+393331234568", "+393331234569");
        var filtered = OptOutFilter.Apply(plan, n => n == "+393331234568");

        Assert.Equal(["+393331234567", "+393331234569"], filtered.Recipients.Select(r => r.Number));
        Assert.Equal(plan.TotalPrice - plan.Recipients[1].Price, filtered.TotalPrice);
        Assert.Equal(2, filtered.TotalParts);
        var suppressed = Assert.Single(filtered.InvalidRecipients);
        Assert.Equal(("+393331234568", ErrorCodes.OptedOut), (suppressed.Input, suppressed.Code));
        Assert.True(filtered.IsValid);
    }

    [Fact]
    public void WhenEveryRecipientOptedOutThePlanFails()
    {
        var filtered = OptOutFilter.Apply(Plan("+393331234567", "+393331234568"), _ => true);

        Assert.Empty(filtered.Recipients);
        Assert.Equal(0m, filtered.TotalPrice);
        Assert.Equal(ErrorCodes.AllRecipientsOptedOut, Assert.Single(filtered.Errors).Code);
        Assert.Equal(2, filtered.InvalidRecipients.Count(i => i.Code == ErrorCodes.OptedOut));
    }

    [Fact]
    public void InvalidNumbersStayReportedBesideOptedOutOnes()
    {
        var filtered = OptOutFilter.Apply(Plan("+393331234567", "12"), _ => true);

        Assert.Contains(filtered.InvalidRecipients, i => i.Input == "12" && i.Code != ErrorCodes.OptedOut);
        Assert.Contains(filtered.InvalidRecipients, i => i.Code == ErrorCodes.OptedOut);
        Assert.Contains(filtered.Errors, e => e.Code == ErrorCodes.AllRecipientsOptedOut);
    }

    [Fact]
    public void NobodyOptedOutLeavesThePlanAsItWas()
    {
        var plan = Plan("+393331234567");
        Assert.Same(plan, OptOutFilter.Apply(plan, _ => false));
    }
}
