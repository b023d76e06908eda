using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmsFunctions.App.Telemetry;

/// <summary>The gateway's own trace source and meter; every stage records through these.</summary>
public static class SmsTelemetry
{
    public const string Name = "SmsFunctions";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);
}
