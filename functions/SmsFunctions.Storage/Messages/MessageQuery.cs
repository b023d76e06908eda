namespace SmsFunctions.Storage.Messages;

/// <summary>Filters of the message list; <see cref="CreatedFrom"/>/<see cref="CreatedTo"/> are inclusive.</summary>
public sealed record MessageQuery(string? State = null, DateTimeOffset? CreatedFrom = null, DateTimeOffset? CreatedTo = null);
