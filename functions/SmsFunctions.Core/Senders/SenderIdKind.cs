namespace SmsFunctions.Core.Senders;

public enum SenderIdKind
{
    /// <summary>A name such as <c>MyCompany</c>: 3–11 characters with at least one letter.</summary>
    Alphanumeric,

    /// <summary>A number: 3–14 digits, optionally after a '+'.</summary>
    Numeric,
}
