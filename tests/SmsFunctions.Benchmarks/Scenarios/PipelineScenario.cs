using System.Globalization;
using SmsFunctions.Benchmarks.Infrastructure;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2, <c>pipeline</c>: single-recipient messages through the whole pipeline (POST /api/messages → queue →
/// dispatch → Kannel → receipts → DELIVERED → signed callback), compared with <c>baseline-kannel</c> measured in the
/// same run on the same Kannel, so the ratio does not depend on how busy the machine was at another time.
/// <para>
/// Measured at steady state (<see cref="SteadyState"/>: warm-up until the app's JIT settles), with what each run
/// cost beside its rate: CPU milliseconds per delivered SMS for the app, each Azurite service, bearerbox, smsbox,
/// fakesmsc and the harness (from /proc), the app's JIT time and exceptions (from its probe); then, after the
/// measured runs and with the app restarted behind a counting proxy, table and queue operations per SMS. Msg/s and
/// table operations per SMS are the guard rails of a redesign; CPU per SMS is what makes runs on different machines
/// comparable.
/// </para>
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

        // First warm-up: its rate sizes the full runs so that a slow pipeline still finishes well inside the deadline
        // (about 25 s of work per run, 300 to 5,000 messages) and the whole scenario inside 15 minutes.
        var warmUp = await PipelineDriver.RunAsync(environment, options.Quick ? 30 : 200, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
        Console.WriteLine("pipeline warm-up: " + warmUp);
        if (!warmUp.Complete)
        {
            result.Failures.Add($"pipeline warm-up: {warmUp}; {string.Join("; ", warmUp.SampleErrors)}; {environment.Diagnose()}");
        }

        var count = options.Quick ? 150 : (int)Math.Clamp(Math.Round(warmUp.CalledBackPerSecond * 25 / 100) * 100, 300, 5_000);

        // Then the baseline, while the app idles: same Kannel, same count, same concurrency.
        var baselineRuns = new List<KannelRun>();
        await using (var baseline = await KannelBaseline.StartAsync(environment.Kannel, cancellationToken).ConfigureAwait(false))
        {
            Console.WriteLine($"pipeline: Kannel baseline in the same run, {Runs} runs of {count} messages");
            // A generous warm-up: small runs otherwise measure Kannel's and the client's ramp-up, not their rate.
            _ = await baseline.RunAsync(Math.Max(count, 1_000), deadline, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < Runs; i++)
            {
                var run = await baseline.RunAsync(count, deadline, cancellationToken).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  baseline run {i + 1}: accepted {run.AcceptedPerSecond:0}/s, delivered {run.DeliveredPerSecond:0}/s; {run.DescribeCpu()}"));
                if (!run.Complete) { result.Failures.Add($"baseline-kannel (same run) incomplete: {run}"); }
                baselineRuns.Add(run);
            }
        }

        var pipelineRuns = new List<PipelineRun>();
        var costs = new List<RunCost>();
        WarmUpOutcome? steady = null;
        if (warmUp.Complete)
        {
            // Warm up until the JIT settles (quick: one round, to report where it stands, not to wait for it).
            Console.WriteLine($"pipeline: warm-up until the app's JIT settles (≤ {SteadyState.JitSettledMillisecondsPerSecond:0} ms of JIT per s), rounds of {count} messages");
            steady = await SteadyState.WarmUpAsync(environment, count, Concurrency, deadline,
                maxRounds: options.Quick ? 1 : 8, budget: options.Quick ? TimeSpan.Zero : TimeSpan.FromMinutes(4), cancellationToken).ConfigureAwait(false);
            if (steady.Broken is { } broken)
            {
                result.Failures.Add($"pipeline steady-state warm-up: {broken}; {string.Join("; ", broken.SampleErrors)}; {environment.Diagnose()}");
            }
        }

        var baselineDelivered = Stats.Median(baselineRuns.Select(r => r.DeliveredPerSecond).ToArray());
        if (steady is { Broken: null })
        {
            Console.WriteLine($"pipeline: {Runs} runs of {count} single-recipient messages at {Concurrency} concurrent clients");
            for (var i = 0; i < Runs; i++)
            {
                var meter = await RunMeter.StartAsync(environment, cancellationToken).ConfigureAwait(false);
                var run = await PipelineDriver.RunAsync(environment, count, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
                var cost = await meter.StopAsync(cancellationToken).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {i + 1}: {run}, ratio to Kannel {run.CalledBackPerSecond / baselineDelivered:0.000}; {cost.Describe(run.CalledBack)}"));
                if (!run.Complete)
                {
                    result.Failures.Add($"pipeline run {i + 1}: {run}; {string.Join("; ", run.SampleErrors)}; {environment.Diagnose()}");
                }

                pipelineRuns.Add(run);
                costs.Add(cost);
                if (AppProbe.WantOrigins) { PrintOrigins(cost, run.CalledBack); }
            }
        }

        if (environment.Callbacks.BadSignatures > 0 || environment.Callbacks.Unsigned > 0)
        {
            result.Failures.Add($"callbacks with a bad signature: {environment.Callbacks.BadSignatures}, unsigned: {environment.Callbacks.Unsigned}; {string.Join("; ", environment.Callbacks.Problems)}");
        }

        if (environment.Callbacks.Secret is null)
        {
            result.Notes.Add("POST /api/accounts returned no data.webhookSecret: callback signatures were checked for presence and format only.");
        }

        if (pipelineRuns.Count > 0)
        {
            ReportRuns(result, pipelineRuns, costs, baselineDelivered, count, steady!);
            var tableOps = await CountStorageOperationsAsync(environment, options, result, deadline, cancellationToken).ConfigureAwait(false);
            result.Notes.Insert(0, Summary(pipelineRuns, costs, baselineDelivered, tableOps));
        }

        BaselineKannelScenario.Report(baselineRuns, result, "baseline: ");
    }

    private static void ReportRuns(ScenarioResult result, List<PipelineRun> pipelineRuns, List<RunCost> costs, double baselineDelivered, int count, WarmUpOutcome steady)
    {
        var delivered = pipelineRuns.Select(r => r.CalledBackPerSecond).ToArray();
        var ratio = Stats.Median(delivered) / baselineDelivered;
        result.Figures.Add(new Figure("pipeline accepted (201)", "msg/s", pipelineRuns.Select(r => r.AcceptedPerSecond)));
        result.Figures.Add(new Figure("pipeline delivered and called back", "msg/s", delivered, "≥ 500", Stats.Median(delivered) >= 500));
        result.Figures.Add(new Figure("ratio to baseline-kannel delivered (same run)", "×", delivered.Select(d => d / baselineDelivered), "≥ 0.5", ratio >= 0.5));
        foreach (var p in new[] { 50, 95, 99 })
        {
            result.Figures.Add(new Figure($"end-to-end latency p{p} (201 → DELIVERED callback)", "ms",
                pipelineRuns.Select(r => Stats.Percentile(r.LatenciesMs, p))));
        }

        // CPU per delivered SMS, per process and in all: comparable between machines where msg/s is not.
        var labels = costs.SelectMany(c => c.Cpu.MillisecondsByLabel.Keys).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var label in labels)
        {
            result.Figures.Add(new Figure($"CPU per delivered SMS, {label}", "ms",
                costs.Zip(pipelineRuns, (c, r) => c.PerUnit(label, r.CalledBack))));
        }

        result.Figures.Add(new Figure("CPU per delivered SMS, all of the above", "ms", costs.Zip(pipelineRuns, (c, r) => c.Cpu.Total / Math.Max(r.CalledBack, 1))));
        result.Figures.Add(new Figure($"msg/s that CPU per SMS allows on {Environment.ProcessorCount} cores (nothing else running)", "msg/s",
            costs.Zip(pipelineRuns, (c, r) => Environment.ProcessorCount * 1000.0 / (c.Cpu.Total / Math.Max(r.CalledBack, 1)))));
        result.Figures.Add(new Figure("CPU of other processes on the machine during the runs", "cores", costs.Select(c => c.Cpu.OtherCores)));
        var other = Stats.Median(costs.Select(c => c.Cpu.OtherCores).ToArray());
        if (other > 0.2)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"WARNING: other processes used {other:0.00} cores of {Environment.ProcessorCount} during the measured runs: msg/s, ratio and latency are lower than this machine gives when idle; CPU ms per SMS is less affected."));
        }
        if (costs.All(c => c.App.Seconds > 0))
        {
            result.Figures.Add(new Figure("app JIT time during the measured runs", "ms/s", costs.Select(c => c.App.JitMillisecondsPerSecond)));
            result.Figures.Add(new Figure("app exceptions thrown during the measured runs", "/s", costs.Select(c => c.App.ExceptionsPerSecond)));
            result.Figures.Add(new Figure("app GC pause per delivered SMS", "ms", costs.Zip(pipelineRuns, (c, r) => c.App.GcPauseMilliseconds / Math.Max(r.CalledBack, 1))));
            result.Figures.Add(new Figure("app allocations per delivered SMS", "KB", costs.Zip(pipelineRuns, (c, r) => c.App.AllocatedBytes / 1024 / Math.Max(r.CalledBack, 1))));
            var types = costs.SelectMany(c => c.App.ExceptionTypes).GroupBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(g => (Type: g.Key, Count: g.Sum(kv => kv.Value))).OrderByDescending(t => t.Count).ToArray();
            if (types.Length > 0)
            {
                result.Notes.Add("App exceptions during the measured runs, by type: " + string.Join(", ", types.Select(t => $"{t.Type} {t.Count}")) + ".");
            }
        }

        result.Details["pipelineRuns"] = pipelineRuns.Select(r => r with { LatenciesMs = [] }).ToArray();
        result.Details["runCosts"] = costs.Select(c => new
        {
            c.Cpu.Seconds,
            cpuMilliseconds = c.Cpu.MillisecondsByLabel,
            c.Cpu.MachineBusyCores,
            c.Cpu.OtherCores,
            appJitMilliseconds = c.App.JitMilliseconds,
            appJitMethods = c.App.JitMethods,
            appExceptions = c.App.Exceptions,
            appExceptionTypes = c.App.ExceptionTypes,
            appExceptionOrigins = c.App.ExceptionOrigins.Count > 0 ? c.App.ExceptionOrigins : null,
        }).ToArray();
        result.Notes.Add("Steady state: " + steady.Describe() + ".");
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{count} single-recipient messages per run, {Concurrency} concurrent keep-alive clients, JSON callback to a loopback webhook; delivered rate = messages / time from first send to last DELIVERED callback. Ratio: each run's rate over the median same-run baseline ({baselineDelivered:0} msg/s)."));
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"CPU per delivered SMS: utime+stime from /proc/<pid>/stat (CLK_TCK {ProcessCpu.TicksPerSecond}) before and after each run, over the SMS delivered and called back in it; \"harness\" is the load generator, webhook and receipt listener. \"Other processes\" is the machine's busy time (/proc/stat) minus ours: when it is high the rates are not representative."));
    }

    /// <summary>Table and queue operations per delivered SMS, counted after the measured runs (a proxy in the path
    /// would slow those): the app restarts behind the counting proxy, warms up, then one counted run.</summary>
    private static async Task<double> CountStorageOperationsAsync(PipelineEnvironment environment, BenchOptions options, ScenarioResult result, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var count = options.Quick ? 100 : 500;
        Console.WriteLine($"pipeline: storage operations per SMS, app restarted behind a counting proxy, {count} messages");
        await environment.CountStorageAsync(Concurrency, cancellationToken).ConfigureAwait(false);
        var warmUp = await PipelineDriver.RunAsync(environment, options.Quick ? 30 : 300, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
        if (!warmUp.Complete)
        {
            result.Failures.Add($"pipeline warm-up behind the counting proxy: {warmUp}; {string.Join("; ", warmUp.SampleErrors)}; {environment.Diagnose()}");
            return double.NaN;
        }

        var before = environment.Proxy!.Snapshot();
        var run = await PipelineDriver.RunAsync(environment, count, Concurrency, deadline, cancellationToken).ConfigureAwait(false);
        var spent = StorageCountingProxy.Difference(environment.Proxy.Snapshot(), before);
        if (!run.Complete)
        {
            result.Failures.Add($"pipeline behind the counting proxy: {run}; {string.Join("; ", run.SampleErrors)}; {environment.Diagnose()}");
        }

        var delivered = Math.Max(run.CalledBack, 1);
        double PerMessage(Func<string, bool> which) => spent.Where(kv => which(kv.Key)).Sum(kv => kv.Value) / (double)delivered;
        var tableOps = PerMessage(k => k.StartsWith("table", StringComparison.Ordinal));
        var queueOps = PerMessage(k => k.StartsWith("queue", StringComparison.Ordinal) && k != "queue receive (empty)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  counted run: {run}; table operations per SMS {tableOps:0.00}, queue operations {queueOps:0.00}"));
        result.Figures.Add(Figure.Single("table operations per delivered SMS (counted run)", "ops", tableOps));
        result.Figures.Add(Figure.Single("queue operations per delivered SMS, without empty polls (counted run)", "ops", queueOps));
        result.Details["storageOperationsPerDeliveredSms"] = spent.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / (double)delivered, 3), StringComparer.Ordinal);
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Storage operations: one run of {count} messages at {Concurrency} clients with the app restarted behind a counting proxy (after a warm-up), an entity-group batch counting as one; per SMS: {string.Join(", ", spent.Select(kv => $"{kv.Key} {kv.Value / (double)delivered:0.##}"))}."));
        return tableOps;
    }

    /// <summary>The line to compare between machines and commits: the guard rails and where the CPU goes.</summary>
    private static string Summary(List<PipelineRun> runs, List<RunCost> costs, double baselineDelivered, double tableOps)
    {
        var rate = Stats.Median(runs.Select(r => r.CalledBackPerSecond).ToArray());
        double Median(Func<RunCost, PipelineRun, double> f) => Stats.Median(costs.Zip(runs, f).ToArray());
        var labels = costs.SelectMany(c => c.Cpu.MillisecondsByLabel.Keys).Distinct(StringComparer.Ordinal);
        return string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY: {rate:0} msg/s delivered and called back, ratio to Kannel {rate / baselineDelivered:0.000}; table operations per SMS {tableOps:0.00}; " +
            $"CPU ms per SMS {Median((c, r) => c.Cpu.Total / Math.Max(r.CalledBack, 1)):0.00} = {string.Join(" + ", labels.Select(l => $"{l} {Median((c, r) => c.PerUnit(l, r.CalledBack)):0.00}"))}; " +
            $"other load {Median((c, _) => c.Cpu.OtherCores):0.00} cores; app JIT {Median((c, _) => c.App.JitMillisecondsPerSecond):0} ms/s.");
    }

    private static void PrintOrigins(RunCost cost, int delivered)
    {
        foreach (var (origin, n) in cost.App.ExceptionOrigins.Take(12))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {n / Math.Max(cost.App.Seconds, 1e-9),6:0.0}/s  {origin}"));
        }

        var sampled = cost.App.AllocatedByType.Values.Sum();
        if (sampled == 0) { return; }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    allocations (sampled every ~100 KB): {sampled / 1024.0 / Math.Max(delivered, 1):0} KB per SMS; top types:"));
        foreach (var (type, bytes) in cost.App.AllocatedByType.Take(15))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {bytes / 1024.0 / Math.Max(delivered, 1),8:0.0} KB/SMS  {type}"));
        }
    }
}
