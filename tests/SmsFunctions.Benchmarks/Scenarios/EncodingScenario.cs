using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario <c>encoding</c>: runs <see cref="SegmentationBenchmarks"/> with BenchmarkDotNet and reports ns per message
/// and bytes allocated. In-process toolchain: BenchmarkDotNet's default generates and builds a separate project, which
/// under this repository's Directory.Build.props (warnings as errors, central package versions) is fragile and slow;
/// in-process measures the same Release code. <c>--quick</c> uses the short job (3 warm-ups, 3 iterations).
/// </summary>
internal sealed class EncodingScenario : IScenario
{
    public string Name => "encoding";

    public Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        // The bodies must be what their names say, or the figures mean something else.
        foreach (var (name, expectedParts) in new[] { ("otp", 1), ("gsm7-3-part", 3), ("ucs2-3-part", 3) })
        {
            var parts = SegmentCounter.Count(SegmentationBenchmarks.Bodies[name]).MessageCount;
            if (parts != expectedParts) { result.Failures.Add($"benchmark body {name} has {parts} parts, expected {expectedParts}"); }
        }

        var job = (options.Quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Directory.GetCurrentDirectory(), "bench-results", "encoding-bdn"))
            .WithOptions(ConfigOptions.DisableLogFile);

        var summary = BenchmarkRunner.Run<SegmentationBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            var body = (string)report.BenchmarkCase.Parameters["Body"];
            var method = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo;
            var statistics = report.ResultStatistics;
            if (statistics is null || !report.Success)
            {
                result.Failures.Add($"{method} / {body}: the benchmark did not produce results");
                continue;
            }

            var info = SegmentCounter.Count(SegmentationBenchmarks.Bodies[body]);
            var label = string.Create(CultureInfo.InvariantCulture, $"{method}, {body} ({info.Encoding}, {info.CharactersCount} chars, {info.MessageCount} part{(info.MessageCount == 1 ? "" : "s")})");
            // BenchmarkDotNet's own median/min/max over its iterations, in ns per call (= per message).
            result.Figures.Add(new Figure(label, "ns/msg", [statistics.Median, statistics.Min, statistics.Max]));
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            var isCount = method.Contains("Count", StringComparison.Ordinal);
            result.Figures.Add(Figure.Single(label, "B allocated/msg", allocated, isCount ? "0" : null, isCount ? allocated == 0 : null));
        }

        result.Notes.Add($"BenchmarkDotNet {typeof(BenchmarkRunner).Assembly.GetName().Version}, {(options.Quick ? "ShortRun" : "default")} job, in-process; for ns/msg the three values are BenchmarkDotNet's median, min and max over its measured iterations (the 'runs' column shows 3 for that reason). Full report under bench-results/encoding-bdn.");
        return Task.CompletedTask;
    }
}
