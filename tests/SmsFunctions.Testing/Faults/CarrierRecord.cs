using System.Globalization;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Testing.Faults;

/// <summary>One SMS a carrier took, from the carrier's own record: the sandbox's submission log (with our message
/// id) or fakesmsc's output behind Kannel (number and text only). <see cref="Number"/> is digits only.</summary>
public sealed record CarrierSubmissionRecord(string Carrier, string? MessageId, string Number, string Text);

public static class CarrierRecord
{
    /// <summary>The accepted submissions in the sandbox's log (see <c>Sms:Carriers:Sandbox:SubmissionLogPath</c>).</summary>
    public static IReadOnlyList<CarrierSubmissionRecord> FromSandboxLog(string path)
    {
        if (!File.Exists(path)) { return []; }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<CarrierSubmissionRecord>();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split('\t');
            if (parts.Length >= 4 && parts[3] == "Accepted")
            {
                records.Add(new CarrierSubmissionRecord("Sandbox", parts[1], Digits(parts[2]), ""));
            }
        }

        return records;
    }

    /// <summary>What fakesmsc received (one record per part; the load sends single-part texts).</summary>
    public static IReadOnlyList<CarrierSubmissionRecord> FromFakeSmsc(IEnumerable<SmscMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return [.. messages.Select(m => new CarrierSubmissionRecord("Kannel", null, Digits(m.To), m.Text))];
    }

    /// <summary>A number as digits only (<c>+39347…</c>, <c>0039347…</c> and <c>39347…</c> are the same).</summary>
    public static string Digits(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        var digits = new string([.. number.Where(char.IsAsciiDigit)]);
        return digits.StartsWith("00", StringComparison.Ordinal) ? digits[2..] : digits;
    }

    internal static string Money(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
