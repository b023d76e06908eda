namespace SmsFunctions.Core.Encoding;

/// <summary>
/// The 3GPP TS 23.038 GSM 7-bit default alphabet and its extension table (no national shift tables).
/// Characters of the extension table are sent as ESC + code, so they cost two septets.
/// </summary>
public static class Gsm7Alphabet
{
    /// <summary>The 128 characters of the basic table, in code order; position 0x1B is the escape to the extension table.</summary>
    public const string BasicCharacters =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    /// <summary>The characters of the extension table that the default alphabet reaches through ESC.</summary>
    public const string ExtensionCharacters = "\f^{}\\[~]|€";

    // One byte per UTF-16 code unit: 0 = not GSM-7, 1 = basic table, 2 = extension table. 64 KiB, built once,
    // so the hot counting loop is a single indexed load per character with no branches on ranges.
    private static readonly byte[] SeptetCost = BuildCostTable();

    /// <summary>Septets needed for <paramref name="c"/>: 1 (basic), 2 (extension) or 0 when it is not GSM-7.</summary>
    public static int SeptetsFor(char c) => SeptetCost[c];

    public static bool IsGsm7(char c) => SeptetCost[c] != 0;

    public static bool IsExtension(char c) => SeptetCost[c] == 2;

    /// <summary>True when every character of <paramref name="text"/> is in the default alphabet or extension table.</summary>
    public static bool IsGsm7(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (SeptetCost[c] == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] BuildCostTable()
    {
        var table = new byte[char.MaxValue + 1];
        foreach (var c in BasicCharacters)
        {
            table[c] = 1;
        }

        // ESC itself is not a character a sender can type.
        table['\u001B'] = 0;
        foreach (var c in ExtensionCharacters)
        {
            table[c] = 2;
        }

        return table;
    }
}
