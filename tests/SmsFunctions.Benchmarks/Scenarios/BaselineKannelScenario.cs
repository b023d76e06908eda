using System.Globalization;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 1, <c>baseline-kannel</c>: Kannel alone on this machine — the ceiling of the carrier path that the
/// pipeline is compared with.
/// </summary>
internal sealed class BaselineKannelScenario : IScenario
{
    public const int Runs = 3;

    public string Name => "baseline-kannel";

    public static int MessageCount(BenchOptions options) => options.Quick ? 1_000 : 5_000;

    public static TimeSpan RunDeadline(BenchOptions options) => options.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(60);

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var kannel = new KannelFixture();
        try
        {
            await kannel.InitializeAsync().ConfigureAwait(false);
            await using var baseline = await KannelBaseline.StartAsync(kannel, cancellationToken).ConfigureAwait(false);
            var runs = await MeasureAsync(baseline, options, result, cancellationToken).ConfigureAwait(false);
            Report(runs, result, "");
        }
        finally
        {
            await kannel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A warm-up, then <see cref="Runs"/> measured runs; incomplete runs are failures (Kannel with
    /// fakesmsc never fails a message, so a missing receipt means the environment broke).</summary>
    public static async Task<IReadOnlyList<KannelRun>> MeasureAsync(KannelBaseline baseline, BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(result);
        var count = MessageCount(options);
        Console.WriteLine($"baseline-kannel: warm-up, then {Runs} runs of {count} messages at {KannelBaseline.Concurrency} concurrent clients");
        var warmUp = await baseline.RunAsync(Math.Max(count, 1_000), RunDeadline(options), cancellationToken).ConfigureAwait(false);
        if (!warmUp.Complete)
        {
            result.Failures.Add($"baseline-kannel warm-up incomplete: {warmUp}");
        }

        var runs = new List<KannelRun>();
        for (var i = 0; i < Runs; i++)
        {
            var run = await baseline.RunAsync(count, RunDeadline(options), cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {i + 1}: accepted {run.Accepted}/{run.Count} at {run.AcceptedPerSecond:0}/s, delivered {run.Delivered} at {run.DeliveredPerSecond:0}/s, errors {run.Errors}, receipts {run.Receipts}; {run.DescribeCpu()}"));
            if (!run.Complete)
            {
                result.Failures.Add($"baseline-kannel run {i + 1} incomplete: {run}");
            }

            runs.Add(run);
        }

        return runs;
    }

    public static void Report(IReadOnlyList<KannelRun> runs, ScenarioResult result, string prefix)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(result);
        result.Figures.Add(new Figure(prefix + "Kannel sendsms accepted", "msg/s", runs.Select(r => r.AcceptedPerSecond)));
        result.Figures.Add(new Figure(prefix + "Kannel receipts delivered", "msg/s", runs.Select(r => r.DeliveredPerSecond)));
        result.Figures.Add(new Figure(prefix + "Kannel receipts per message", "receipts", runs.Select(r => r.Count == 0 ? 0 : r.Receipts / (double)r.Count)));
        foreach (var label in runs.SelectMany(r => r.CpuMilliseconds.Keys).Distinct(StringComparer.Ordinal))
        {
            result.Figures.Add(new Figure($"{prefix}CPU per delivered SMS, {label}", "ms",
                runs.Select(r => r.CpuMilliseconds.GetValueOrDefault(label) / Math.Max(r.Delivered, 1))));
        }

        result.Details[prefix + "kannelRuns"] = runs;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{(runs.Count > 0 ? runs[0].Count : 0)} messages per run, dlr-mask=31, {KannelBaseline.Concurrency} keep-alive clients, receipts to a loopback listener; rate = messages / time from first send to last accept (accepted) or last delivered receipt (delivered)."));
    }
}
