namespace SmsFunctions.Core.Encoding;

/// <summary>The text after smart encoding and what was replaced (empty when nothing was).</summary>
public sealed record SmartEncodingResult(string Text, IReadOnlyList<SmartReplacement> Replacements)
{
    public bool Changed => Replacements.Count > 0;
}
