using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>What one measured run cost: CPU per process (from /proc) and the app's JIT and exceptions (from its
/// probe), over the run's window.</summary>
internal sealed record RunCost(CpuSpent Cpu, ProbeSpent App)
{
    /// <summary>CPU milliseconds per unit of work (per delivered SMS) for one process label; NaN when absent.</summary>
    public double PerUnit(string label, int units) =>
        units > 0 && Cpu.MillisecondsByLabel.TryGetValue(label, out var ms) ? ms / units : double.NaN;

    /// <summary>One line: CPU ms per SMS by process, the rest of the machine in cores, the app's JIT and exceptions.</summary>
    public string Describe(int units) => string.Create(CultureInfo.InvariantCulture,
        $"CPU ms/SMS {string.Join(", ", Cpu.MillisecondsByLabel.Select(kv => $"{kv.Key} {kv.Value / Math.Max(units, 1):0.00}"))}; " +
        $"other load on the machine {Cpu.OtherCores:0.00} cores; app JIT {App.JitMillisecondsPerSecond:0} ms/s ({App.JitMethods:0} methods), " +
        $"exceptions {App.ExceptionsPerSecond:0.0}/s{(App.ExceptionTypes.Count > 0 ? " (" + string.Join(", ", App.ExceptionTypes.Take(3).Select(kv => $"{ShortType(kv.Key)} {kv.Value}")) + ")" : "")}");

    public static string ShortType(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];
}

/// <summary>Snapshots taken at the start of a run; <see cref="StopAsync"/> takes the second pair and returns the cost.</summary>
internal sealed class RunMeter
{
    private readonly PipelineEnvironment _environment;
    private readonly IReadOnlyList<MeasuredProcess> _processes;
    private CpuSnapshot _cpu = null!;
    private ProbeSnapshot _probe = ProbeSnapshot.Empty;

    private RunMeter(PipelineEnvironment environment)
    {
        _environment = environment;
        _processes = environment.MeasuredProcesses();
    }

    public static async Task<RunMeter> StartAsync(PipelineEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var meter = new RunMeter(environment);
        meter._probe = await environment.App.ReadProbeAsync(cancellationToken).ConfigureAwait(false);
        meter._cpu = ProcessCpu.Take(meter._processes);
        return meter;
    }

    public async Task<RunCost> StopAsync(CancellationToken cancellationToken)
    {
        var cpu = ProcessCpu.Take(_processes);
        var probe = await _environment.App.ReadProbeAsync(cancellationToken).ConfigureAwait(false);
        return new RunCost(ProcessCpu.Between(_cpu, cpu), AppProbe.Between(_probe, probe));
    }
}
