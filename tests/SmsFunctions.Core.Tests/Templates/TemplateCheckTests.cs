using SmsFunctions.Core.Recipients;
using SmsFunctions.Core.Templates;

namespace SmsFunctions.Core.Tests.Templates;

public class TemplateCheckTests
{
    private static AddressedRecipient Recipient(int i, params string[] keys) => new(
        new Recipient($"+39333{i:D7}", "39", "IT"),
        keys.Length == 0 ? null : keys.ToDictionary(k => k, k => "v", StringComparer.Ordinal));

    [Fact]
    public void TemplateWithoutPlaceholdersHasNothingMissing()
        => Assert.Empty(TemplateCheck.FindMissing(BodyTemplate.Parse("hello"), [Recipient(1)]));

    [Fact]
    public void EachMissingPlaceholderIsReportedWithItsRecipients()
    {
        var template = BodyTemplate.Parse("{{nome}} {{cognome}}");

        var reports = TemplateCheck.FindMissing(template,
            [Recipient(1, "nome", "cognome"), Recipient(2, "nome"), Recipient(3), Recipient(4, "cognome")]);

        Assert.Equal(2, reports.Count);
        Assert.Equal(("nome", 2), (reports[0].Placeholder, reports[0].RecipientCount));
        Assert.Equal(["+393330000003", "+393330000004"], reports[0].SampleNumbers);
        Assert.Equal("cognome", reports[1].Placeholder);
        Assert.Equal(["+393330000002", "+393330000003"], reports[1].SampleNumbers);
    }

    [Fact]
    public void SampleIsBoundedButCountIsComplete()
    {
        var template = BodyTemplate.Parse("{{nome}}");

        var report = Assert.Single(TemplateCheck.FindMissing(template, Enumerable.Range(0, 1_000).Select(i => Recipient(i))));

        Assert.Equal(1_000, report.RecipientCount);
        Assert.Equal(TemplateCheck.DefaultSampleSize, report.SampleNumbers.Count);
        Assert.Equal("+393330000000", report.SampleNumbers[0]);
    }

    [Fact]
    public void AllRecipientsHavingTheFieldsReportsNothing()
        => Assert.Empty(TemplateCheck.FindMissing(BodyTemplate.Parse("{{a}}"), [Recipient(1, "a"), Recipient(2, "a", "b")]));
}
