using System.Globalization;
using SmsFunctions.Benchmarks.Infrastructure;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2, <c>pipeline</c>: single-recipient messages through the whole pipeline (POST /api/messages → queue →
/// dispatch → Kannel → receipts → DELIVERED → signed callback), compared with <c>baseline-kannel</c> measured in the
/// same run on the same Kannel, so the ratio does not depend on how busy the machine was at another time.
/// A run that does not deliver everything before its deadline (quick: 150 messages in 25 s, i.e. below 6 msg/s)
/// counts as broken; any slower-than-target but complete run passes.
/// </summary>
internal sealed class PipelineScenario : IScenario
{
    private const int Runs = 3;
    private const int Concurrency = 32;

    public string Name => "pipeline";

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var deadline = options.Quick ? TimeSpan.FromSeconds(25) : TimeSpan.FromSeconds(120);
        await using var environment = await PipelineEnvironment.StartAsync(Concurrency, countStorage: false, cancellationToken).ConfigureAwait(false);

        // Warm-up first: its rate sizes the full runs so that a slow pipeline still finishes well inside the deadline
        // (about 25 s of work per run, 300 to 5,000 messages) and the whole scenario inside 15 minutes.
        var warmUp = await PipelineDriver.RunAsync(environment, options.Quick ? 30 : 200, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
        Console.WriteLine("pipeline warm-up: " + warmUp);
        if (!warmUp.Complete)
        {
            result.Failures.Add($"pipeline warm-up: {warmUp}; {string.Join("; ", warmUp.SampleErrors)}; {environment.Diagnose()}");
        }

        var count = options.Quick ? 150 : (int)Math.Clamp(Math.Round(warmUp.CalledBackPerSecond * 25 / 100) * 100, 300, 5_000);

        // Then the baseline, while the app idles: same Kannel, same count, same concurrency.
        IReadOnlyList<KannelRun> baselineRuns;
        await using (var baseline = await KannelBaseline.StartAsync(environment.Kannel, cancellationToken).ConfigureAwait(false))
        {
            Console.WriteLine($"pipeline: Kannel baseline in the same run, {Runs} runs of {count} messages");
            var runs = new List<KannelRun>();
            // A generous warm-up: small runs otherwise measure Kannel's and the client's ramp-up, not their rate.
            _ = await baseline.RunAsync(Math.Max(count, 1_000), deadline, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < Runs; i++)
            {
                var run = await baseline.RunAsync(count, deadline, cancellationToken).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  baseline run {i + 1}: accepted {run.AcceptedPerSecond:0}/s, delivered {run.DeliveredPerSecond:0}/s"));
                if (!run.Complete) { result.Failures.Add($"baseline-kannel (same run) incomplete: {run}"); }
                runs.Add(run);
            }

            baselineRuns = runs;
        }

        if (!options.Quick && warmUp.Complete)
        {
            // A second warm-up of a full run's size: the app's JIT (tiered, with dynamic PGO) is still compiling after
            // 200 messages, and the first measured run came out 30-40 % slower than the third.
            var second = await PipelineDriver.RunAsync(environment, count, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
            Console.WriteLine("pipeline warm-up 2: " + second);
        }

        Console.WriteLine($"pipeline: {Runs} runs of {count} single-recipient messages at {Concurrency} concurrent clients");
        var pipelineRuns = new List<PipelineRun>();
        for (var i = 0; i < Runs && warmUp.Complete; i++)
        {
            var run = await PipelineDriver.RunAsync(environment, count, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"  run {i + 1}: {run}");
            if (!run.Complete)
            {
                result.Failures.Add($"pipeline run {i + 1}: {run}; {string.Join("; ", run.SampleErrors)}; {environment.Diagnose()}");
            }

            pipelineRuns.Add(run);
        }

        if (environment.Callbacks.BadSignatures > 0 || environment.Callbacks.Unsigned > 0)
        {
            result.Failures.Add($"callbacks with a bad signature: {environment.Callbacks.BadSignatures}, unsigned: {environment.Callbacks.Unsigned}; {string.Join("; ", environment.Callbacks.Problems)}");
        }

        if (environment.Callbacks.Secret is null)
        {
            result.Notes.Add("POST /api/accounts returned no data.webhookSecret: callback signatures were checked for presence and format only.");
        }

        BaselineKannelScenario.Report(baselineRuns, result, "baseline: ");
        if (pipelineRuns.Count == 0) { return; }

        var delivered = pipelineRuns.Select(r => r.CalledBackPerSecond).ToArray();
        var baselineDelivered = Stats.Median(baselineRuns.Select(r => r.DeliveredPerSecond).ToArray());
        var ratio = Stats.Median(delivered) / baselineDelivered;
        result.Figures.Add(new Figure("pipeline accepted (201)", "msg/s", pipelineRuns.Select(r => r.AcceptedPerSecond)));
        result.Figures.Add(new Figure("pipeline delivered and called back", "msg/s", delivered, "≥ 500", Stats.Median(delivered) >= 500));
        result.Figures.Add(new Figure("ratio to baseline-kannel delivered (same run)", "×", delivered.Select(d => d / baselineDelivered), "≥ 0.5", ratio >= 0.5));
        foreach (var p in new[] { 50, 95, 99 })
        {
            result.Figures.Add(new Figure($"end-to-end latency p{p} (201 → DELIVERED callback)", "ms",
                pipelineRuns.Select(r => Stats.Percentile(r.LatenciesMs, p))));
        }

        result.Details["pipelineRuns"] = pipelineRuns.Select(r => r with { LatenciesMs = [] }).ToArray();
        result.Details["callbacksByState"] = environment.Callbacks.ByState;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{count} single-recipient messages per run, {Concurrency} concurrent keep-alive clients, JSON callback to a loopback webhook; delivered rate = messages / time from first send to last DELIVERED callback. Ratio: each run's rate over the median same-run baseline ({baselineDelivered:0} msg/s)."));
    }
}
