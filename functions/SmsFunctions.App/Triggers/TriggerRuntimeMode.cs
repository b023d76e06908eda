namespace SmsFunctions.App.Triggers;

/// <summary>Which trigger source is active: the Functions host (invocations over HTTP) or our own local runtime.</summary>
internal static class TriggerRuntimeMode
{
    public static bool ServesHostInvocations(TriggerRuntimeOptions options) =>
        options.HostMode || Hosting.HostMode.IsFunctionsHost;

    public static bool RunsLocalTriggers(TriggerRuntimeOptions options) =>
        options.LocalTriggers && !ServesHostInvocations(options);
}
