namespace SmsFunctions.Storage.Tokens;

/// <summary>A freshly minted token: the secret (shown once) and what was stored.</summary>
public sealed record IssuedToken(string Token, TokenEntity Record);
