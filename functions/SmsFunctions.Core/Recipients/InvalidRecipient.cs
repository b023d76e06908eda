namespace SmsFunctions.Core.Recipients;

/// <summary>A number that was rejected, as the client sent it, with a stable code and a reason.</summary>
public sealed record InvalidRecipient(string Input, string Code, string Reason);
