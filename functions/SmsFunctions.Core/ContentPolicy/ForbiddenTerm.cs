namespace SmsFunctions.Core.ContentPolicy;

/// <summary>A word or phrase that blocks a message. Matched case- and accent-insensitively, on word boundaries.</summary>
public sealed record ForbiddenTerm(string Id, string Term, ContentPolicyScope Scope = ContentPolicyScope.Both);
