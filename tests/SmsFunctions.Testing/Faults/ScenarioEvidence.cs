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

    /// <summary>Webhooks are at-least-once: a process killed, or a storage write of the attempt failing for good,
    /// after the receiver answered but before the attempt is on record must send again. In scenarios with kills or
    /// storage faults duplicates are counted, not failed.</summary>
    public bool DuplicateWebhooksTolerated { get; init; }

    /// <summary>The carrier itself lost receipts: the in-process sandbox's scheduled receipts die with a killed
    /// process (a real carrier repeats a receipt until it is answered), and a stopped Kannel loses the receipts
    /// smsbox was still trying to deliver. A recipient such a carrier took and that still waits for its receipt is
    /// counted as awaiting a lost receipt, not as lost by the gateway (without a validityPeriod nothing ends it).</summary>
    public bool CarrierLostReceipts { get; init; }

    public long FaultsInjected { get; init; }

    public int Kills { get; init; }

    /// <summary>From the scenario's start to the check.</summary>
    public TimeSpan Elapsed { get; init; }
}
