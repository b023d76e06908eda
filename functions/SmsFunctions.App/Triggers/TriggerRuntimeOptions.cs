namespace SmsFunctions.App.Triggers;

/// <summary>Settings of the trigger runtime, bound from <c>Sms:Runtime</c>.</summary>
public sealed class TriggerRuntimeOptions
{
    public const string SectionName = "Sms:Runtime";

    /// <summary>Host the queue listeners and timers in-process (the local run). Ignored in host mode, where the
    /// Functions host owns the triggers. Queue listeners also need an <c>IQueueReceiver</c> (none with Service Bus).</summary>
    public bool LocalTriggers { get; set; } = true;

    /// <summary>Serve <c>POST /{FunctionName}</c> invocations as under the Functions host, even without
    /// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> (tests, replaying invocations by hand).</summary>
    public bool HostMode { get; set; }

    /// <summary>Handlers running at once per listener: one listener drains the three dispatch bands, and every other
    /// queue (callbacks) has its own, so a slow webhook receiver cannot hold up dispatch.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Messages asked for per receive (Storage Queues allow at most 32).</summary>
    public int ReceiveBatchSize { get; set; } = 16;

    /// <summary>How long a received message stays invisible to other receivers while it is handled.</summary>
    public int VisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>Deliveries after which a failing message is handed to <c>HandlePoisonAsync</c>.</summary>
    public int MaxDeliveryCount { get; set; } = 5;

    /// <summary>On shutdown, how long in-flight handlers may run on before their messages are returned to the queue.</summary>
    public int ShutdownGraceSeconds { get; set; } = 20;

    /// <summary>First wait before polling an empty queue again; doubles up to <see cref="IdlePollMaxMilliseconds"/>.</summary>
    public int IdlePollMinMilliseconds { get; set; } = 50;

    public int IdlePollMaxMilliseconds { get; set; } = 1000;

    /// <summary>Share of polls per dispatch band when all have work; empty bands are skipped.</summary>
    public int HighBandWeight { get; set; } = 6;

    public int NormalBandWeight { get; set; } = 3;

    public int LowBandWeight { get; set; } = 1;

    public TimeSpan VisibilityTimeout => TimeSpan.FromSeconds(VisibilityTimeoutSeconds);

    public TimeSpan ShutdownGrace => TimeSpan.FromSeconds(ShutdownGraceSeconds);
}
