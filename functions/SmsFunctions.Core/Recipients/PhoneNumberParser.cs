using PhoneNumbers;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Recipients;

/// <summary>
/// Parses recipient numbers. Accepted: E.164 (<c>+393331234567</c>) and the seed-003 form with the country code
/// separated by a hyphen (<c>+39-3331234567</c>); spaces and hyphens between digit groups are tolerated
/// (<c>+39 333 123 4567</c>). The number must start with '+' (the seed API: "Obbligatorio è il prefisso
/// internazionale"); national forms and the <c>00</c> prefix are rejected with <see cref="ErrorCodes.MissingCountryPrefix"/>.
/// Validity is libphonenumber's <c>IsValidNumber</c>; numbers whose type cannot receive SMS (fixed line, toll free,
/// premium rate, shared cost, UAN, voicemail) are rejected as <see cref="ErrorCodes.NotAMobile"/>, while
/// fixed-line-or-mobile (e.g. North America), VoIP, personal and pager numbers are accepted.
/// </summary>
public static class PhoneNumberParser
{
    // E.164 allows 15 digits; leave room for separators but refuse obviously absurd input before any work.
    private const int MaxInputLength = 32;
    private const int MaxDigits = 15;
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static RecipientParseResult Parse(string? raw)
    {
        var input = raw ?? string.Empty;
        var text = input.AsSpan().Trim();
        if (text.IsEmpty)
        {
            return Reject(input, ErrorCodes.EmptyNumber, "The number is empty.");
        }

        if (text[0] != '+')
        {
            return Reject(input, ErrorCodes.MissingCountryPrefix,
                "The number must start with '+' and the international prefix, e.g. +39-3331234567 or +393331234567.");
        }

        if (text.Length > MaxInputLength)
        {
            return Reject(input, ErrorCodes.InvalidNumber, "The number is too long.");
        }

        Span<char> digits = stackalloc char[MaxInputLength];
        var count = 0;
        var previousWasSeparator = true; // a separator right after '+' is not allowed
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
                previousWasSeparator = false;
            }
            else if ((c == '-' || c == ' ') && !previousWasSeparator)
            {
                previousWasSeparator = true;
            }
            else
            {
                return Reject(input, ErrorCodes.InvalidNumber,
                    "Only digits are allowed after '+', optionally grouped by single hyphens or spaces.");
            }
        }

        if (count == 0 || previousWasSeparator || count > MaxDigits)
        {
            return Reject(input, ErrorCodes.InvalidNumber, "The number does not have the shape of an international number.");
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(string.Concat("+", digits[..count]), null);
        }
        catch (NumberParseException)
        {
            return Reject(input, ErrorCodes.InvalidNumber, "The number is not a valid international number.");
        }

        if (!Util.IsValidNumber(number))
        {
            return Reject(input, ErrorCodes.InvalidNumber, "The number is not valid for its country.");
        }

        if (!CanReceiveSms(Util.GetNumberType(number)))
        {
            return Reject(input, ErrorCodes.NotAMobile, "The number is not a mobile number and cannot receive SMS.");
        }

        var countryCode = number.CountryCode;
        return RecipientParseResult.Valid(new Recipient(
            Util.Format(number, PhoneNumberFormat.E164),
            countryCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Util.GetRegionCodeForNumber(number) ?? "ZZ"));
    }

    private static bool CanReceiveSms(PhoneNumberType type) => type is
        PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE or PhoneNumberType.VOIP or
        PhoneNumberType.PERSONAL_NUMBER or PhoneNumberType.PAGER or PhoneNumberType.UNKNOWN;

    private static RecipientParseResult Reject(string input, string code, string reason)
        => RecipientParseResult.Rejected(new InvalidRecipient(input, code, reason));
}
