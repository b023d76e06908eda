namespace SmsFunctions.Storage.Messages;

/// <summary>One page of a query and the opaque token for the next (null on the last page).</summary>
public sealed record TablePage<T>(IReadOnlyList<T> Items, string? ContinuationToken);
