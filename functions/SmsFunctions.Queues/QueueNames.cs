namespace SmsFunctions.Queues;

/// <summary>The queues of the pipeline; the same names exist in Service Bus (infra/) and Storage Queues.</summary>
public static class QueueNames
{
    public const string DispatchHigh = "sms-dispatch-high";
    public const string DispatchNormal = "sms-dispatch-normal";
    public const string DispatchLow = "sms-dispatch-low";
    public const string Callbacks = "sms-callbacks";

    public static IReadOnlyList<string> All { get; } = [DispatchHigh, DispatchNormal, DispatchLow, Callbacks];
}
