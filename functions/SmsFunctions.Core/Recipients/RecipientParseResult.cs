using System.Diagnostics.CodeAnalysis;

namespace SmsFunctions.Core.Recipients;

/// <summary>Either a <see cref="Recipient"/> or an <see cref="InvalidRecipient"/>.</summary>
public readonly record struct RecipientParseResult
{
    private RecipientParseResult(Recipient? recipient, InvalidRecipient? invalid)
    {
        Recipient = recipient;
        Invalid = invalid;
    }

    public Recipient? Recipient { get; }

    public InvalidRecipient? Invalid { get; }

    [MemberNotNullWhen(true, nameof(Recipient))]
    [MemberNotNullWhen(false, nameof(Invalid))]
    public bool IsValid => Recipient is not null;

    public static RecipientParseResult Valid(Recipient recipient) => new(recipient, null);

    public static RecipientParseResult Rejected(InvalidRecipient invalid) => new(null, invalid);
}
