using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Senders;

/// <summary>
/// Validates the sender id (the seed-003 rule: 3–11 characters if alphanumeric, 3–14 if numeric).
/// Alphanumeric ids may use ASCII letters, digits, spaces and <c>. - _ &amp; ' !</c> — characters that survive every
/// carrier's originator encoding — and must contain a letter (a string of digits and dashes is a malformed number,
/// not a name). Numeric ids are 3–14 digits with an optional leading '+'. Surrounding whitespace is trimmed.
/// </summary>
public static class SenderIdValidator
{
    public const int AlphanumericMin = 3;
    public const int AlphanumericMax = 11;
    public const int NumericMin = 3;
    public const int NumericMax = 14;
    private const string Field = "sender";
    private const string AllowedPunctuation = " .-_&'!";

    public static SenderIdValidation Validate(string? sender)
    {
        var value = sender?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return Fail(ErrorCodes.SenderRequired, "A sender is required.");
        }

        var digits = value[0] == '+' ? value.AsSpan(1) : value.AsSpan();
        if (!digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9'))
        {
            return digits.Length switch
            {
                < NumericMin => Fail(ErrorCodes.SenderTooShort, $"A numeric sender needs at least {NumericMin} digits."),
                > NumericMax => Fail(ErrorCodes.SenderTooLong, $"A numeric sender can have at most {NumericMax} digits."),
                _ => new SenderIdValidation(value, SenderIdKind.Numeric, null),
            };
        }

        var hasLetter = false;
        foreach (var c in value)
        {
            if (char.IsAsciiLetter(c))
            {
                hasLetter = true;
            }
            else if (!char.IsAsciiDigit(c) && !AllowedPunctuation.Contains(c, StringComparison.Ordinal))
            {
                return Fail(ErrorCodes.SenderInvalidCharacters,
                    $"An alphanumeric sender may contain only letters A-Z, digits, spaces and {AllowedPunctuation.Trim()}; '{c}' is not allowed.");
            }
        }

        if (!hasLetter)
        {
            return Fail(ErrorCodes.SenderNeedsLetter, "An alphanumeric sender must contain at least one letter; a numeric sender must be digits only.");
        }

        return value.Length switch
        {
            < AlphanumericMin => Fail(ErrorCodes.SenderTooShort, $"An alphanumeric sender needs at least {AlphanumericMin} characters."),
            > AlphanumericMax => Fail(ErrorCodes.SenderTooLong, $"An alphanumeric sender can have at most {AlphanumericMax} characters."),
            _ => new SenderIdValidation(value, SenderIdKind.Alphanumeric, null),
        };
    }

    private static SenderIdValidation Fail(string code, string detail) => new(null, null, new DomainError(code, Field, detail));
}
