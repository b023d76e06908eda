namespace SmsFunctions.Storage.Inbound;

/// <summary>Filters of the inbound list; <see cref="Since"/>/<see cref="Until"/> are inclusive.</summary>
public sealed record InboundQuery(string? From = null, string? To = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);
