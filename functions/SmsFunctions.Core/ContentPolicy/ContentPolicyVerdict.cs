namespace SmsFunctions.Core.ContentPolicy;

/// <summary>Whether a message is blocked and, if so, by which term in which field (<c>sender</c> or <c>body</c>).</summary>
public sealed record ContentPolicyVerdict(bool Blocked, string? TermId, string? Term, string? Field, string? Reason)
{
    public static ContentPolicyVerdict Allowed { get; } = new(false, null, null, null, null);
}
