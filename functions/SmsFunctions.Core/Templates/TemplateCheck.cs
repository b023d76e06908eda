using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Templates;

/// <summary>Checks a template against a whole recipient list, reporting each missing placeholder once with a bounded sample of the recipients that lack it.</summary>
public static class TemplateCheck
{
    public const int DefaultSampleSize = 10;

    public static IReadOnlyList<MissingPlaceholderReport> FindMissing(
        BodyTemplate template, IEnumerable<AddressedRecipient> recipients, int sampleSize = DefaultSampleSize)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleSize);
        if (!template.HasPlaceholders)
        {
            return [];
        }

        var placeholders = template.Placeholders;
        var counts = new int[placeholders.Count];
        var samples = new List<string>?[placeholders.Count];
        foreach (var recipient in recipients)
        {
            for (var i = 0; i < placeholders.Count; i++)
            {
                if (recipient.Fields is not null && recipient.Fields.ContainsKey(placeholders[i]))
                {
                    continue;
                }

                counts[i]++;
                var sample = samples[i] ??= [];
                if (sample.Count < sampleSize)
                {
                    sample.Add(recipient.Number);
                }
            }
        }

        var reports = new List<MissingPlaceholderReport>();
        for (var i = 0; i < placeholders.Count; i++)
        {
            if (counts[i] > 0)
            {
                reports.Add(new MissingPlaceholderReport(placeholders[i], counts[i], samples[i]!));
            }
        }

        return reports;
    }
}
