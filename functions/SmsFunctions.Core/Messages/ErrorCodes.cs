namespace SmsFunctions.Core.Messages;

/// <summary>Stable, machine-readable codes the domain core reports. Clients match on these; never rename one.</summary>
public static class ErrorCodes
{
    // Recipients
    public const string EmptyNumber = "EMPTY_NUMBER";
    public const string MissingCountryPrefix = "MISSING_COUNTRY_PREFIX";
    public const string InvalidNumber = "INVALID_NUMBER";
    public const string NotAMobile = "NOT_A_MOBILE";
    public const string RecipientsRequired = "RECIPIENTS_REQUIRED";
    public const string NoValidRecipients = "NO_VALID_RECIPIENTS";
    public const string TooManyRecipients = "TOO_MANY_RECIPIENTS";
    public const string OptedOut = "OPTED_OUT";
    public const string AllRecipientsOptedOut = "ALL_RECIPIENTS_OPTED_OUT";

    // Sender
    public const string SenderRequired = "SENDER_REQUIRED";
    public const string SenderTooShort = "SENDER_TOO_SHORT";
    public const string SenderTooLong = "SENDER_TOO_LONG";
    public const string SenderInvalidCharacters = "SENDER_INVALID_CHARACTERS";
    public const string SenderNeedsLetter = "SENDER_NEEDS_LETTER";

    // Body and templates
    public const string BodyRequired = "BODY_REQUIRED";
    public const string BodyTooLong = "BODY_TOO_LONG";
    public const string MissingPlaceholder = "MISSING_PLACEHOLDER";
    public const string AlertMultipleMessages = "ALERT_MULTIPLE_MESSAGES";

    // Priority
    public const string PriorityTooLow = "PRIORITY_TOO_LOW";
    public const string PriorityTooHigh = "PRIORITY_TOO_HIGH";
    public const string PriorityTooPrecise = "PRIORITY_TOO_PRECISE";

    // Content policy
    public const string ContentBlocked = "CONTENT_BLOCKED";

    /// <summary>Every code above, for documentation and uniqueness tests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        EmptyNumber, MissingCountryPrefix, InvalidNumber, NotAMobile, RecipientsRequired, NoValidRecipients,
        TooManyRecipients, SenderRequired, SenderTooShort, SenderTooLong, SenderInvalidCharacters, SenderNeedsLetter,
        BodyRequired, BodyTooLong, MissingPlaceholder, AlertMultipleMessages, PriorityTooLow, PriorityTooHigh,
        PriorityTooPrecise, ContentBlocked, OptedOut, AllRecipientsOptedOut,
    ];
}
