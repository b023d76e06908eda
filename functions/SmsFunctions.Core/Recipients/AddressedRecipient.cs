namespace SmsFunctions.Core.Recipients;

/// <summary>A valid recipient with the template fields it was given (null when none).</summary>
public sealed record AddressedRecipient(Recipient Recipient, IReadOnlyDictionary<string, string>? Fields)
{
    public string Number => Recipient.Number;
}
