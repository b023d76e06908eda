namespace SmsFunctions.App.Callbacks;

/// <summary>Webhook ("callback") delivery settings, bound from <c>Sms:Callbacks</c>.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Sms:Callbacks";

    /// <summary>Allow callback URLs that resolve to loopback, private, link-local or metadata addresses. Only for
    /// local development (the sample settings turn it on); never in production.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long one delivery attempt may take before it counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Upper bound of the customer's <c>retry</c>.</summary>
    public int MaxRetries { get; set; } = 10;

    /// <summary>Webhook requests this process has open to one host at once; more wait in the queue (<see cref="CallbackHostSlots"/>).</summary>
    public int MaxConcurrentPerHost { get; set; } = 32;

    /// <summary>How long a delivery waits in this process for one of its host's slots before it is put back on the
    /// queue (a slow host holds its own deliveries for this long at most, never everyone's).</summary>
    public double HostSlotWaitSeconds { get; set; } = 30;

    /// <summary>How long a delivery whose host is busy waits in the queue before it tries again.</summary>
    public double HostBusyDelaySeconds { get; set; } = 2;

    /// <summary>Retries when the customer gave none.</summary>
    public int DefaultRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; later ones grow ×3 up to 10 minutes.</summary>
    public double FirstRetryDelaySeconds { get; set; } = 5;

    /// <summary>A replayed callback (raised again for a state already stored, in case a crash lost the first) waits
    /// this long, so the first one, if it was queued, has its attempt on record and the replay is dropped. Longer
    /// than a callback can spend waiting for its host's slot and on its request (<see cref="HostSlotWaitSeconds"/> +
    /// <see cref="TimeoutSeconds"/>, 40 s by default): a replay handled by another instance, which cannot see the
    /// callback in hand there, then finds it on record.</summary>
    public double ReplayDelaySeconds { get; set; } = 60;

    /// <summary>Intents — the CANCELED callbacks a cancel queues before it changes anything, and the callback a sandbox
    /// receipt queues before it stores its state (in case the process dies before it queues them for real) — wait
    /// this long: past the end of a large cancel and the delivery of the real callbacks (a slow receiver's included),
    /// so that they find those on record and are dropped, and only stand in for callbacks that were lost.</summary>
    public double CancelReplayDelaySeconds { get; set; } = 300;
}
