using SmsFunctions.Core.Recipients;

namespace SmsFunctions.App.Inbound;

/// <summary>How inbound numbers and MO senders are written: E.164 for long codes, digits for short codes.</summary>
public static class InboundNumbers
{
    /// <summary>An owned number: a short code (3–8 digits) or an international number in E.164 (or the
    /// <c>+39-…</c> form, or <c>00</c> instead of <c>+</c>). Null when it is neither.</summary>
    public static string? NormalizeOwned(string? raw)
    {
        var text = Clean(raw);
        if (text.Length is >= 3 and <= 8 && text.All(char.IsAsciiDigit))
        {
            return text;
        }

        if (text.StartsWith("00", StringComparison.Ordinal))
        {
            text = "+" + text[2..];
        }

        if (text.StartsWith('+') && text.Length is >= 9 and <= 16 && text.Skip(1).All(char.IsAsciiDigit) && text[1] != '0')
        {
            var parsed = PhoneNumberParser.Parse(text);
            return parsed.IsValid ? parsed.Recipient.Number : text;
        }

        return null;
    }

    /// <summary>The number an MO was sent to, as carriers write it (with or without '+'): the form of <see cref="NormalizeOwned"/>.</summary>
    public static string NormalizeTo(string raw)
    {
        var text = Clean(raw);
        if (text.Length > 8 && text.All(char.IsAsciiDigit) && !text.StartsWith('0'))
        {
            text = "+" + text;
        }

        return NormalizeOwned(text) ?? text;
    }

    /// <summary>The handset of an MO: E.164 when it is an international number (with or without '+'), else as given.</summary>
    public static string NormalizeFrom(string raw)
    {
        var text = Clean(raw);
        var candidate = text.Length > 8 && text.All(char.IsAsciiDigit) && !text.StartsWith('0') ? "+" + text : text;
        var parsed = PhoneNumberParser.Parse(candidate);
        return parsed.IsValid ? parsed.Recipient.Number : text;
    }

    /// <summary>A number that may go into a table key and a callback-attempt key.</summary>
    public static bool IsKeySafe(string number) => number.Length is > 0 and <= 32 && number.All(c => char.IsAsciiDigit(c) || c == '+');

    private static string Clean(string? raw)
    {
        var text = (raw ?? string.Empty).Trim();
        return text.Length > 40 ? text : new string([.. text.Where(c => c is not (' ' or '-' or '(' or ')' or '.'))]);
    }
}
