using System.Globalization;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario <c>inbound</c> (issue 12): MOs from fakesmsc through Kannel (<c>sms-service</c> get-url) to the app's
/// <c>/api/carriers/kannel/inbound</c>, stored and posted to the account's signed inbound webhook; compared with
/// Kannel's own <c>sms-service</c> calling a bare HTTP sink, measured in the same run (on a second Kannel with the
/// same configuration but for its get-url, while the app idles), so the ratio does not depend on how busy the machine
/// was at another time.
/// <para>
/// Built like <c>pipeline</c>: warm-up until the app's JIT settles (<see cref="SteadyState"/>), then the median of
/// <see cref="Runs"/> runs, each with its CPU milliseconds per MO (app, Azurite, bearerbox, smsbox, fakesmsc, harness,
/// from /proc). At most <see cref="Window"/> MOs are on their way at once (injected and not yet at the webhook, or at
/// the sink): the counterpart of the pipeline's 32 concurrent clients. Latency is from the MO's line written to
/// fakesmsc to the webhook's (or the sink's) arrival.
/// </para>
/// A run whose MOs do not all arrive before its deadline counts as broken; a slow but complete run passes.
/// </summary>
internal sealed class InboundScenario : IScenario
{
    private const int Runs = 3;
    private const int Window = 32;
    private const string Number = "+393330001000";

    public string Name => "inbound";

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var deadline = options.Quick ? TimeSpan.FromSeconds(25) : TimeSpan.FromSeconds(120);
        await using var environment = await PipelineEnvironment.StartAsync(Window, countStorage: false, cancellationToken,
            inboundKey: "bench-inbound-" + Guid.NewGuid().ToString("N")).ConfigureAwait(false);
        var webhooks = new MoSink { Secret = environment.Callbacks.Secret };
        await using var webhookListener = await LoopbackListener.StartAsync(webhooks.HandleWebhookAsync, cancellationToken).ConfigureAwait(false);
        await environment.ConfigureInboundAsync(Number, new Uri(webhookListener.BaseUrl, "/inbound"), cancellationToken).ConfigureAwait(false);
        await using var injector = await MoInjector.StartAsync(environment.Kannel, cancellationToken).ConfigureAwait(false);

        // First warm-up: its rate sizes the runs (about 25 s of work each, 300 to 5,000 MOs), as in pipeline.
        var warmUp = await MoDriver.RunAsync(injector, webhooks, Number, options.Quick ? 30 : 200, Window, deadline, cancellationToken).ConfigureAwait(false);
        Console.WriteLine("inbound warm-up: " + warmUp);
        if (!warmUp.Complete)
        {
            result.Failures.Add($"inbound warm-up: {warmUp}; webhook problems: [{string.Join("; ", webhooks.Problems)}]; {environment.Diagnose()}");
        }

        var count = options.Quick ? 150 : (int)Math.Clamp(Math.Round(warmUp.ArrivedPerSecond * 25 / 100) * 100, 300, 5_000);
        // Kannel alone is an order of magnitude faster than the whole path: at least 1,000 MOs per baseline run, so a
        // run lasts long enough to measure a rate and not Kannel's ramp-up.
        var baselineRuns = await MeasureBaselineAsync(Math.Max(count, 1_000), deadline, result, cancellationToken).ConfigureAwait(false);
        var baseline = Stats.Median(baselineRuns.Select(r => r.ArrivedPerSecond).ToArray());

        var runs = new List<MoRun>();
        var costs = new List<RunCost>();
        WarmUpOutcome? steady = null;
        if (warmUp.Complete)
        {
            Console.WriteLine($"inbound: warm-up until the app's JIT settles (≤ {SteadyState.JitSettledMillisecondsPerSecond:0} ms of JIT per s), rounds of {count} MOs");
            steady = await WarmUpAsync(environment, injector, webhooks, count, deadline, maxRounds: options.Quick ? 1 : 8,
                budget: options.Quick ? TimeSpan.Zero : TimeSpan.FromMinutes(4), result, cancellationToken).ConfigureAwait(false);
        }

        if (steady is not null && result.Failures.Count == 0)
        {
            Console.WriteLine($"inbound: {Runs} runs of {count} MOs, at most {Window} on their way");
            for (var i = 0; i < Runs; i++)
            {
                var meter = await RunMeter.StartAsync(environment, cancellationToken).ConfigureAwait(false);
                var run = await MoDriver.RunAsync(injector, webhooks, Number, count, Window, deadline, cancellationToken).ConfigureAwait(false);
                var cost = await meter.StopAsync(cancellationToken).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {i + 1}: {run}, ratio to Kannel {run.ArrivedPerSecond / baseline:0.000}; {cost.Describe(run.Arrived)}"));
                if (!run.Complete)
                {
                    result.Failures.Add($"inbound run {i + 1}: {run}; webhook problems: [{string.Join("; ", webhooks.Problems)}]; {environment.Diagnose()}");
                }

                runs.Add(run);
                costs.Add(cost);
            }
        }

        if (webhooks.BadSignatures > 0 || webhooks.Unsigned > 0)
        {
            result.Failures.Add($"inbound webhooks with a bad signature: {webhooks.BadSignatures}, unsigned: {webhooks.Unsigned}; {string.Join("; ", webhooks.Problems)}");
        }

        if (webhooks.Secret is null)
        {
            result.Notes.Add("POST /api/accounts returned no data.webhookSecret: webhook signatures were checked for presence and format only.");
        }

        if (runs.Count > 0)
        {
            Report(result, runs, costs, baseline, count, steady!);
        }

        ReportBaseline(result, baselineRuns);
    }

    /// <summary>Kannel alone: a second Kannel whose <c>sms-service</c> calls a bare loopback sink, same window, same
    /// count; the first Kannel and the app idle meanwhile (its processes are left out of the CPU figures).</summary>
    private static async Task<List<MoRun>> MeasureBaselineAsync(int count, TimeSpan deadline, ScenarioResult result, CancellationToken cancellationToken)
    {
        var runs = new List<MoRun>();
        var sink = new MoSink();
        await using var listener = await LoopbackListener.StartAsync(sink.HandleKannelAsync, cancellationToken).ConfigureAwait(false);
        var idle = PipelineEnvironment.KannelProcesses().Select(p => p.Pid).ToHashSet();
        var kannel = new KannelFixture
        {
            InboundUrl = $"{listener.Origin}/mo?from=%p&to=%P&text=%b&ts=%T&smsc=%i&coding=%c&charset=%C&udh=%u&id=%I",
            StartMoInjector = false,
        };
        try
        {
            await kannel.InitializeAsync().ConfigureAwait(false);
            await using var injector = await MoInjector.StartAsync(kannel, cancellationToken).ConfigureAwait(false);
            var processes = PipelineEnvironment.KannelProcesses().Where(p => !idle.Contains(p.Pid))
                .Append(new MeasuredProcess("harness", Environment.ProcessId)).ToArray();
            Console.WriteLine($"inbound: Kannel sms-service to a bare sink in the same run, {Runs} runs of {count} MOs");
            // A generous warm-up, as for the sendsms baseline.
            _ = await MoDriver.RunAsync(injector, sink, Number, Math.Max(count, 1_000), Window, deadline, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < Runs; i++)
            {
                var before = ProcessCpu.Take(processes);
                var run = await MoDriver.RunAsync(injector, sink, Number, count, Window, deadline, cancellationToken).ConfigureAwait(false);
                var cpu = ProcessCpu.Between(before, ProcessCpu.Take(processes));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  baseline run {i + 1}: {run}; p50 {Stats.Percentile(run.LatenciesMs, 50):0.0} ms; CPU ms/MO {string.Join(", ", cpu.MillisecondsByLabel.Select(kv => $"{kv.Key} {kv.Value / Math.Max(run.Arrived, 1):0.000}"))}; other load {cpu.OtherCores:0.00} cores"));
                if (!run.Complete) { result.Failures.Add($"inbound baseline (Kannel to a sink) run {i + 1} incomplete: {run}; sink problems: [{string.Join("; ", sink.Problems)}]"); }
                runs.Add(run);
                result.Details["baselineCpuMilliseconds" + (i + 1).ToString(CultureInfo.InvariantCulture)] = cpu.MillisecondsByLabel;
            }
        }
        finally
        {
            await kannel.DisposeAsync().ConfigureAwait(false);
        }

        return runs;
    }

    /// <summary><see cref="SteadyState.WarmUpAsync"/> for MOs: rounds until two in a row spend at most
    /// <see cref="SteadyState.JitSettledMillisecondsPerSecond"/> of app JIT per second, bounded by rounds and time.</summary>
    private static async Task<WarmUpOutcome> WarmUpAsync(PipelineEnvironment environment, MoInjector injector, MoSink webhooks, int count, TimeSpan deadline,
        int maxRounds, TimeSpan budget, ScenarioResult result, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double jit = double.NaN;
        var quiet = 0;
        for (var round = 1; round <= maxRounds; round++)
        {
            var meter = await RunMeter.StartAsync(environment, cancellationToken).ConfigureAwait(false);
            var run = await MoDriver.RunAsync(injector, webhooks, Number, count, Window, deadline, cancellationToken).ConfigureAwait(false);
            var cost = await meter.StopAsync(cancellationToken).ConfigureAwait(false);
            var probed = cost.App.Seconds > 0;
            jit = cost.App.JitMillisecondsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  steady-state warm-up {round}: {run}; app JIT {(probed ? $"{jit:0.0} ms/s, {cost.App.JitMethods:0} methods" : "unknown (no probe)")}"));
            if (!run.Complete)
            {
                result.Failures.Add($"inbound steady-state warm-up: {run}; webhook problems: [{string.Join("; ", webhooks.Problems)}]; {environment.Diagnose()}");
                return new WarmUpOutcome(round, jit, false, probed, null);
            }

            if (!probed) { return new WarmUpOutcome(round, jit, false, false, null); }
            quiet = jit <= SteadyState.JitSettledMillisecondsPerSecond ? quiet + 1 : 0;
            if (quiet == 2 || (quiet == 1 && maxRounds == 1)) { return new WarmUpOutcome(round, jit, true, true, null); }
            if (clock.Elapsed > budget) { return new WarmUpOutcome(round, jit, false, true, null); }
        }

        return new WarmUpOutcome(maxRounds, jit, false, true, null);
    }

    private static void Report(ScenarioResult result, List<MoRun> runs, List<RunCost> costs, double baseline, int count, WarmUpOutcome steady)
    {
        var arrived = runs.Select(r => r.ArrivedPerSecond).ToArray();
        result.Figures.Add(new Figure("inbound MOs injected (fakesmsc)", "MO/s", runs.Select(r => r.InjectedPerSecond)));
        result.Figures.Add(new Figure("inbound MOs at the account's webhook", "MO/s", arrived));
        result.Figures.Add(new Figure("ratio to Kannel sms-service → bare sink (same run)", "×", arrived.Select(a => a / baseline)));
        foreach (var p in new[] { 50, 95, 99 })
        {
            result.Figures.Add(new Figure($"webhook latency p{p} (MO injected → webhook)", "ms", runs.Select(r => Stats.Percentile(r.LatenciesMs, p))));
        }

        var labels = costs.SelectMany(c => c.Cpu.MillisecondsByLabel.Keys).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var label in labels)
        {
            result.Figures.Add(new Figure($"CPU per MO, {label}", "ms", costs.Zip(runs, (c, r) => c.PerUnit(label, r.Arrived))));
        }

        result.Figures.Add(new Figure("CPU per MO, all of the above", "ms", costs.Zip(runs, (c, r) => c.Cpu.Total / Math.Max(r.Arrived, 1))));
        result.Figures.Add(new Figure("CPU of other processes on the machine during the runs", "cores", costs.Select(c => c.Cpu.OtherCores)));
        var other = Stats.Median(costs.Select(c => c.Cpu.OtherCores).ToArray());
        if (other > 0.2)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"WARNING: other processes used {other:0.00} cores of {Environment.ProcessorCount} during the measured runs: MO/s, ratio and latency are lower than this machine gives when idle; CPU ms per MO is less affected."));
        }

        if (costs.All(c => c.App.Seconds > 0))
        {
            result.Figures.Add(new Figure("app JIT time during the measured runs", "ms/s", costs.Select(c => c.App.JitMillisecondsPerSecond)));
            result.Figures.Add(new Figure("app exceptions thrown during the measured runs", "/s", costs.Select(c => c.App.ExceptionsPerSecond)));
        }

        var rate = Stats.Median(arrived);
        double Median(Func<RunCost, MoRun, double> f) => Stats.Median(costs.Zip(runs, f).ToArray());
        result.Notes.Insert(0, string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY: {rate:0} MO/s at the webhook, ratio to Kannel {rate / baseline:0.000}; webhook latency p50 {Median((_, r) => Stats.Percentile(r.LatenciesMs, 50)):0} ms, p99 {Median((_, r) => Stats.Percentile(r.LatenciesMs, 99)):0} ms; " +
            $"CPU ms per MO {Median((c, r) => c.Cpu.Total / Math.Max(r.Arrived, 1)):0.00} = {string.Join(" + ", labels.Select(l => $"{l} {Median((c, r) => c.PerUnit(l, r.Arrived)):0.00}"))}; " +
            $"other load {Median((c, _) => c.Cpu.OtherCores):0.00} cores."));
        result.Details["inboundRuns"] = runs.Select(r => r with { LatenciesMs = [] }).ToArray();
        result.Details["runCosts"] = costs.Select(c => new { c.Cpu.Seconds, cpuMilliseconds = c.Cpu.MillisecondsByLabel, c.Cpu.OtherCores, appJitMilliseconds = c.App.JitMilliseconds, appExceptions = c.App.Exceptions }).ToArray();
        result.Notes.Add("Steady state: " + steady.Describe() + ".");
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{count} MOs per run (GSM text, each from its own handset to one number the account owns), at most {Window} on their way, injected by fakesmsc (-i 0, unbuffered input) into Kannel's FAKEMO SMSC; sms-service get-url to the app, which stores each MO and posts the signed JSON webhook to a loopback listener. " +
            $"Rate = MOs / time from the first injection to the last webhook; latency = from the line written to fakesmsc to the webhook's arrival. Ratio: each run's rate over the median same-run baseline ({baseline:0} MO/s)."));
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"CPU per MO: utime+stime from /proc/<pid>/stat (CLK_TCK {ProcessCpu.TicksPerSecond}) before and after each run, over the MOs that arrived in it; \"harness\" is the injector's driver and the webhook listener."));
    }

    private static void ReportBaseline(ScenarioResult result, List<MoRun> runs)
    {
        result.Figures.Add(new Figure("baseline: Kannel sms-service → bare sink", "MO/s", runs.Select(r => r.ArrivedPerSecond)));
        result.Figures.Add(new Figure("baseline: latency p50 (MO injected → sink)", "ms", runs.Select(r => Stats.Percentile(r.LatenciesMs, 50))));
        result.Figures.Add(new Figure("baseline: latency p99 (MO injected → sink)", "ms", runs.Select(r => Stats.Percentile(r.LatenciesMs, 99))));
        result.Details["baselineRuns"] = runs.Select(r => r with { LatenciesMs = [] }).ToArray();
        result.Notes.Add("Baseline: a second Kannel, configured the same but for its sms-service get-url (a bare loopback sink answering 202), same window, the run's MO count but at least 1,000, measured while the app idles; its CPU figures leave out the idle first Kannel.");
    }
}
