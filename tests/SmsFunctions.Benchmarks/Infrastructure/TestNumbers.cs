using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// Distinct, valid Italian mobile numbers, generated deterministically: +39 3PP 1NN NNNN, where each block (a run)
/// gets its own mobile prefix 3PP and the index fills the remaining 6 digits (up to 999,999 per block). The seventh
/// digit is always 1, so the sandbox carrier's magic range +39 333 000 00xx is never hit.
/// </summary>
internal static class TestNumbers
{
    // Mobile prefixes assigned to Italian operators (TIM, Vodafone, WindTre, Iliad …): all pass libphonenumber.
    private static readonly string[] Prefixes =
    [
        "333", "334", "335", "336", "337", "338", "339", "330", "331", "340", "342", "343", "344", "345", "346", "347",
        "348", "349", "320", "322", "323", "324", "327", "328", "329", "350", "351", "366", "368", "380", "388", "389",
        "391", "392", "393",
    ];

    private static int _nextBlock = -1;

    /// <summary>A fresh block for one run (cycles after 35 blocks; runs are sequential so reuse is harmless).</summary>
    public static int NextBlock() => Interlocked.Increment(ref _nextBlock) % Prefixes.Length;

    public static string Number(int block, int index)
    {
        if ((uint)index > 999_999) { throw new ArgumentOutOfRangeException(nameof(index), index, "At most 1,000,000 numbers per block."); }
        return "+39" + Prefixes[block % Prefixes.Length] + (1_000_000 + index).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The national significant digits that identify a block, as they appear in an SMSC's "to" field.</summary>
    public static string BlockMarker(int block) => "39" + Prefixes[block % Prefixes.Length] + "1";
}
