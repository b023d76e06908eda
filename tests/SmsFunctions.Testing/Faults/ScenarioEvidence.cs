namespace SmsFunctions.Testing.Faults;

/// <summary>What a scenario did and what the outside world saw, for <see cref="InvariantChecker"/>.</summary>
public sealed record ScenarioEvidence
{
    public required string Scenario { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The opening credit plus every top-up the test made (each exactly once).</summary>
    public required decimal CreditGranted { get; init; }

    /// <summary>Keyed single sends and what the client finally got for each.</summary>
    public IReadOnlyCollection<ClientOutcome> Sends { get; init; } = [];

    /// <summary>Other messages the client got a 201 for (drafts, edited or cancelled messages).</summary>
    public IReadOnlyCollection<string> AcceptedMessageIds { get; init; } = [];

    /// <summary>The carriers' own record of what they took.</summary>
    public IReadOnlyList<CarrierSubmissionRecord> Carrier { get; init; } = [];

    /// <summary>Every request the webhook receiver got (the receiver's record, not the app's).</summary>
    public IReadOnlyList<RecordedRequest> Webhooks { get; init; } = [];

    /// <summary>A process killed after the receiver answered but before the app recorded it must send again
    /// (at-least-once): duplicates are counted, not failed, in kill scenarios.</summary>
    public bool DuplicateWebhooksTolerated { get; init; }

    public long FaultsInjected { get; init; }

    public int Kills { get; init; }
}
