using SmsFunctions.Core.Pricing;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Messages;

/// <summary>A send request as the API bound it, before any validation.</summary>
public sealed record SendDraft(
    string? Sender,
    string? Body,
    IReadOnlyList<RecipientInput> Recipients,
    decimal Priority = Pricing.Priority.Default,
    MessageType Type = MessageType.Transactional,
    bool SmartEncoding = false,
    bool FailOnMultipleMessages = false);
