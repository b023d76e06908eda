namespace SmsFunctions.Core.Encoding;

/// <summary>One kind of substitution smart encoding made: <paramref name="Original"/> became <paramref name="Replacement"/> <paramref name="Count"/> times.</summary>
public sealed record SmartReplacement(char Original, string Replacement, int Count);
