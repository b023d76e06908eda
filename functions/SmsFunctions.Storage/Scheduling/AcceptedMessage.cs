using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.Storage.Scheduling;

/// <summary>A message the API has persisted (with its Schedule row) and that is due at <paramref name="DueAt"/>.</summary>
/// <param name="Message">The message row as written (with its ETag), when the caller has it: dispatch then needs no read.</param>
/// <param name="Recipients">The recipient rows as written (with their ETags), when the caller has them.</param>
public sealed record AcceptedMessage(
    string AccountId,
    string MessageId,
    DateTimeOffset DueAt,
    PriorityBand Band,
    int RecipientCount,
    MessageEntity? Message = null,
    IReadOnlyList<RecipientEntity>? Recipients = null);
