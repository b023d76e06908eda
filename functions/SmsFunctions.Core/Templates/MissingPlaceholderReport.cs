namespace SmsFunctions.Core.Templates;

/// <summary>A placeholder that some recipients have no value for: how many, and the first few of their numbers.</summary>
public sealed record MissingPlaceholderReport(string Placeholder, int RecipientCount, IReadOnlyList<string> SampleNumbers);
