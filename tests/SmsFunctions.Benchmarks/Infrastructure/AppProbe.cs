using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>The app's own cumulative counters at one moment, as its startup hook (Probe/StartupHook.cs) last wrote
/// them (every 100 ms): JIT, exceptions (total, by type, and by origin when asked for), GC, allocations.</summary>
internal sealed record ProbeSnapshot(
    long TakenAt,
    IReadOnlyDictionary<string, double> Values,
    IReadOnlyDictionary<string, long> ExceptionTypes,
    IReadOnlyDictionary<string, long> ExceptionOrigins,
    IReadOnlyDictionary<string, long> AllocatedByType)
{
    public static readonly ProbeSnapshot Empty = new(0, new Dictionary<string, double>(), new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>());

    public bool IsEmpty => Values.Count == 0;

    public double this[string key] => Values.GetValueOrDefault(key);
}

/// <summary>What the app did between two probe snapshots.</summary>
internal sealed record ProbeSpent(
    double Seconds,
    double JitMilliseconds,
    double JitMethods,
    double Exceptions,
    double GcPauseMilliseconds,
    double AllocatedBytes,
    IReadOnlyDictionary<string, long> ExceptionTypes,
    IReadOnlyDictionary<string, long> ExceptionOrigins,
    IReadOnlyDictionary<string, long> AllocatedByType)
{
    public double JitMillisecondsPerSecond => Seconds > 0 ? JitMilliseconds / Seconds : 0;

    public double ExceptionsPerSecond => Seconds > 0 ? Exceptions / Seconds : 0;
}

/// <summary>
/// The harness side of the probe: the app is started with <c>DOTNET_STARTUP_HOOKS</c> pointing at the probe
/// assembly (copied next to the harness) and <c>SMSBENCH_PROBE_FILE</c> at a file of its own; <see cref="ReadAsync"/>
/// waits for the next rewrite so a snapshot is at most ~100 ms old.
/// </summary>
internal sealed class AppProbe
{
    public const string FileVariable = "SMSBENCH_PROBE_FILE";
    public const string OriginsVariable = "SMSBENCH_PROBE_ORIGINS";

    public AppProbe(string path) => Path = path;

    /// <summary>The startup hook assembly, built with the harness (project reference).</summary>
    public static string HookAssembly => System.IO.Path.Combine(AppContext.BaseDirectory, "SmsFunctions.Benchmarks.Probe.dll");

    /// <summary>SMSBENCH_PROBE_ORIGINS=1 in the harness's environment asks the probe to count exceptions by where
    /// they were thrown (a stack walk per exception) and to sample allocations by type (GC allocation ticks): for
    /// diagnosis, not for figures.</summary>
    public static bool WantOrigins => Environment.GetEnvironmentVariable(OriginsVariable) == "1";

    public string Path { get; }

    /// <summary>The latest snapshot written after this call began (waits up to 1 s for the probe's next write);
    /// <see cref="ProbeSnapshot.Empty"/> when the probe is not running (no file).</summary>
    public async Task<ProbeSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var first = TryRead();
        if (first.IsEmpty) { return first; }
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            var next = TryRead();
            if (next["time.ms"] != first["time.ms"]) { return next; }
        }

        return first;
    }

    public static ProbeSpent Between(ProbeSnapshot before, ProbeSnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.IsEmpty || after.IsEmpty)
        {
            return new ProbeSpent(0, 0, 0, 0, 0, 0, new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>());
        }

        return new ProbeSpent(
            (after["time.ms"] - before["time.ms"]) / 1000.0,
            after["jit.ms"] - before["jit.ms"],
            after["jit.methods"] - before["jit.methods"],
            after["exceptions"] - before["exceptions"],
            after["gc.pause.ms"] - before["gc.pause.ms"],
            after["alloc.bytes"] - before["alloc.bytes"],
            Difference(after.ExceptionTypes, before.ExceptionTypes),
            Difference(after.ExceptionOrigins, before.ExceptionOrigins),
            Difference(after.AllocatedByType, before.AllocatedByType));
    }

    internal static ProbeSnapshot Parse(string text, long takenAt)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, long>(StringComparer.Ordinal);
        var origins = new Dictionary<string, long>(StringComparer.Ordinal);
        var allocations = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0] is "type" or "origin" or "alloc")
            {
                (parts[0] switch { "type" => types, "origin" => origins, _ => allocations })[parts[2]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            else if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }

        return new ProbeSnapshot(takenAt, values, types, origins, allocations);
    }

    private ProbeSnapshot TryRead()
    {
        try
        {
            return File.Exists(Path) ? Parse(File.ReadAllText(Path), System.Diagnostics.Stopwatch.GetTimestamp()) : ProbeSnapshot.Empty;
        }
        catch (IOException) { return ProbeSnapshot.Empty; }
    }

    private static Dictionary<string, long> Difference(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before) =>
        after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Value != 0)
            .OrderByDescending(kv => kv.Value)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
