namespace SmsFunctions.App.Api.Tokens;

/// <summary>A minted token: <see cref="Token"/> is shown only in the answer that minted it; <see cref="Id"/> is its hash, used to revoke it.</summary>
public sealed record TokenView(string Id, string? Token, string AccountId, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, bool Revoked, DateTimeOffset CreatedAt);
