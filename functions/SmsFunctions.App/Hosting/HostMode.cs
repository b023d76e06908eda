namespace SmsFunctions.App.Hosting;

/// <summary>Which of the two ways the executable runs: under the Azure Functions host, or on its own.</summary>
public static class HostMode
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>The port the Functions host gave us, when it started us as a custom handler.</summary>
    public static int? CustomHandlerPort =>
        int.TryParse(Environment.GetEnvironmentVariable(PortVariable), System.Globalization.CultureInfo.InvariantCulture, out var port) && port > 0 ? port : null;

    public static bool IsFunctionsHost => CustomHandlerPort is not null;
}
