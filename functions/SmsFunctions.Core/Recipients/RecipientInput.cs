namespace SmsFunctions.Core.Recipients;

/// <summary>A recipient as the client sent it: the raw number and optional template fields (<c>{number, fields}</c>).</summary>
public sealed record RecipientInput(string? Number, IReadOnlyDictionary<string, string>? Fields = null);
