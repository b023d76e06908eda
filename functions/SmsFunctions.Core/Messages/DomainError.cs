namespace SmsFunctions.Core.Messages;

/// <summary>A validation failure: a stable <see cref="ErrorCodes">code</see>, the request field it is about, and a sentence for humans.</summary>
public sealed record DomainError(string Code, string Field, string Detail);
