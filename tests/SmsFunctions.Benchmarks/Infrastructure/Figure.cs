namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// One reported figure: its value in every measured run (warm-ups excluded), summarised as median, min and max.
/// <see cref="Target"/> is the goal from issue 6, for the reader; missing it never fails the harness.
/// </summary>
internal sealed class Figure(string name, string unit, IEnumerable<double> runs, string? target = null, bool? targetMet = null)
{
    public string Name { get; } = name;

    public string Unit { get; } = unit;

    public IReadOnlyList<double> Runs { get; } = [.. runs];

    public double Median => Stats.Median(Runs);

    public double Min => Stats.Min(Runs);

    public double Max => Stats.Max(Runs);

    public string? Target { get; } = target;

    public bool? TargetMet { get; } = targetMet;

    public static Figure Single(string name, string unit, double value, string? target = null, bool? targetMet = null) =>
        new(name, unit, [value], target, targetMet);
}

/// <summary>What a scenario hands back: figures for the table and the JSON, free-form details (per-run raw data,
/// breakdowns), notes for the reader, and failures. A failure means the system under test broke (errors, messages
/// not delivered), never that it was slow: only failures make the harness exit non-zero.</summary>
internal sealed class ScenarioResult(string scenario)
{
    public string Scenario { get; } = scenario;

    public List<Figure> Figures { get; } = [];

    public Dictionary<string, object?> Details { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    public List<string> Failures { get; } = [];

    /// <summary>Parts of the scenario that could not run (e.g. the app is not ready) and why: reported, not failed.</summary>
    public List<string> Skipped { get; } = [];

    public TimeSpan Elapsed { get; set; }
}
