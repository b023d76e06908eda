namespace SmsFunctions.Core.Recipients;

/// <summary>The outcome of building a recipient list: valid recipients in first-seen order, every rejected entry, and how many duplicates were merged.</summary>
public sealed record RecipientList(
    IReadOnlyList<AddressedRecipient> Valid,
    IReadOnlyList<InvalidRecipient> Invalid,
    int DuplicatesMerged);
