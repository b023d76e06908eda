using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.App.Api.Messages;

/// <summary>A <c>POST /messages</c> or <c>PUT /messages/{id}</c> body after reading (nothing validated beyond JSON types yet).</summary>
public sealed record SendRequest
{
    public string? Sender { get; init; }

    public string? Body { get; init; }

    /// <summary>Null when the request has no recipients field.</summary>
    public IReadOnlyList<RecipientInput>? Recipients { get; init; }

    public decimal? Priority { get; init; }

    public MessageType? Type { get; init; }

    public bool? Flash { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    public int? ValidityPeriodMinutes { get; init; }

    public bool DryRun { get; init; }

    public bool FailOnMultipleMessages { get; init; }

    /// <summary>Null when not given (PUT: leave the transaction as it is).</summary>
    public bool? Transaction { get; init; }

    public bool SmartEncoding { get; init; }

    public CallbackDto? Callback { get; init; }

    public MessageOptionsDto Options => new(DryRun, FailOnMultipleMessages, Transaction ?? false, SmartEncoding);
}
