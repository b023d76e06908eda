namespace SmsFunctions.App.Api.Tokens;

/// <summary>A minted token: <see cref="Token"/> is shown only in the answer that minted it; <see cref="Id"/> names it
/// (to list or revoke it) and is not derived from the token; <see cref="ParentId"/> is the id of the token that minted
/// it (null when the admin key did). Hashes are never shown.</summary>
public sealed record TokenView(string Id, string? Token, string AccountId, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, bool Revoked, DateTimeOffset CreatedAt, string? ParentId = null);
