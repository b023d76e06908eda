using System.Globalization;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Valid Italian mobile numbers for tests.</summary>
internal static class Numbers
{
    public const string Seed = "+393331234567";
    public const string SeedHyphenated = "+39-3331234567";

    public static string Mobile(int n) => "+39333" + n.ToString("D7", CultureInfo.InvariantCulture);

    public static string[] Mobiles(int count, int offset = 0) => [.. Enumerable.Range(offset, count).Select(Mobile)];
}
