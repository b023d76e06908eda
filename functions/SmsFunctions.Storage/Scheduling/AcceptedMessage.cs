using SmsFunctions.Core.Pricing;

namespace SmsFunctions.Storage.Scheduling;

/// <summary>A message the API has persisted (with its Schedule row) and that is due at <paramref name="DueAt"/>.</summary>
public sealed record AcceptedMessage(string AccountId, string MessageId, DateTimeOffset DueAt, PriorityBand Band, int RecipientCount);
