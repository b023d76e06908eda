namespace SmsFunctions.Pipeline.Tests;

/// <summary>Distinct valid mobile numbers for tests, never the sandbox's magic range.</summary>
internal static class Numbers
{
    private static int _next = Random.Shared.Next(1_000_000, 4_000_000);

    /// <summary>A German mobile number (+49 151 …): routed to Kannel by the fixture.</summary>
    public static string German() => "+49151" + Interlocked.Increment(ref _next).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An Italian mobile number (+39 347 …): routed to the sandbox first.</summary>
    public static string Italian() => "+39347" + Interlocked.Increment(ref _next).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
}
