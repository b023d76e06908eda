namespace SmsFunctions.App.Pipeline;

/// <summary>Dispatch pipeline tuning, bound from <c>Sms:Pipeline</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Sms:Pipeline";

    /// <summary>Recipients per dispatch queue message when a bulk message fans out.</summary>
    public int ChunkSize { get; set; } = 500;

    /// <summary>Carrier submits in flight at once inside one dispatch invocation.</summary>
    public int SubmitConcurrency { get; set; } = 16;

    /// <summary>A recipient claimed for dispatch longer ago than this, and still not resolved, belonged to a
    /// dispatcher that died mid-submit. Its outcome at the carrier is unknown, so it is failed, never re-sent.</summary>
    public int ClaimTimeoutSeconds { get; set; } = 90;

    /// <summary>FireScheduled leaves rows younger than this to the API's own immediate enqueue (the outbox gap).</summary>
    public int OutboxGraceSeconds { get; set; } = 3;

    /// <summary>An outbox row whose message is still not stored after this long belongs to a request that died after
    /// writing it (and did not come back with its Idempotency-Key): the message is tombstoned and its charge refunded.</summary>
    public int OrphanGraceSeconds { get; set; } = 600;

    /// <summary>Rows FireScheduled moves per tick.</summary>
    public int FireBatchSize { get; set; } = 500;

    /// <summary>With Service Bus, FireScheduled hands scheduled sends due within this many seconds to the queue at once,
    /// with their time as ScheduledEnqueueTime, so that a timer once a minute still sends them on time. Unset: 300 with
    /// the Service Bus transport, 0 (off: a timer every 5 s moves them when due) with Storage Queues.</summary>
    public int? ScheduleAheadSeconds { get; set; }

    /// <summary>Enqueue an accepted message at once (true), or leave it to FireScheduled/Sweep through its Schedule
    /// row. Turning it off shows, in tests, what a crash between the table write and the queue send leaves behind.</summary>
    public bool EnqueueOnAccept { get; set; } = true;

    /// <summary>How long the first of several near-simultaneous sends waits for others to share its queue message.</summary>
    public int GroupCommitMilliseconds { get; set; } = 5;

    /// <summary>At most this many small messages share one dispatch queue message.</summary>
    public int ItemsPerDispatchMessage { get; set; } = 50;

    /// <summary>Messages with more recipients than this get their state and counts rolled up on the message row
    /// periodically (the API counts recipients itself up to 5,000).</summary>
    public int RollupAboveRecipients { get; set; } = 5000;

    /// <summary>How often a big message in flight is rolled up.</summary>
    public int RollupIntervalSeconds { get; set; } = 60;

    /// <summary>How long a dispatch outcome (SENT) waits for its delivery receipt to join it in one table write.
    /// Kannel and the sandbox answer within milliseconds; a carrier that reports later only sees SENT written this much later.</summary>
    public int OutcomeHoldMilliseconds { get; set; } = 250;

    public TimeSpan OutcomeHold => TimeSpan.FromMilliseconds(Math.Max(0, OutcomeHoldMilliseconds));

    public TimeSpan ClaimTimeout => TimeSpan.FromSeconds(ClaimTimeoutSeconds);

    public TimeSpan OutboxGrace => TimeSpan.FromSeconds(OutboxGraceSeconds);

    public TimeSpan OrphanGrace => TimeSpan.FromSeconds(Math.Max(1, OrphanGraceSeconds));
}
