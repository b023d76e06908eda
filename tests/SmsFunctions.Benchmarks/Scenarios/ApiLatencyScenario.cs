using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using SmsFunctions.Benchmarks.Infrastructure;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 3, <c>api-latency</c>: open-loop single-recipient sends at fixed rates; acceptance latency (request fired →
/// 201) p50/p95/p99 and errors per rate, and the highest rate whose p99 stays under 50 ms. Dispatch to Kannel runs
/// behind the API as it would in production; between rates the backlog drains (bounded wait) so one rate's leftovers
/// do not land on the next. Server errors (5xx other than 503, unexpected 4xx) are failures; timeouts, 429/503 and
/// requests over the outstanding cap are reported as errors of that rate, not failures: they are what overload looks like.
/// </summary>
internal sealed class ApiLatencyScenario : IScenario
{
    private const int Runs = 3;
    private const int MaxOutstanding = 256;
    private const double LatencyTargetMs = 50;
    private static readonly int[] Rates = [50, 100, 200, 400];

    public string Name => "api-latency";

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var duration = options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10);
        var warmUp = options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);
        var drain = options.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30);
        await using var environment = await PipelineEnvironment.StartAsync(MaxOutstanding, countStorage: false, cancellationToken).ConfigureAwait(false);

        var statuses = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentQueue<string>();
        var acceptedTotal = 0;
        var block = TestNumbers.NextBlock();
        var sequence = 0;
        async Task<bool> SendOneAsync(CancellationToken ct)
        {
            var n = Interlocked.Increment(ref sequence);
            var body = environment.SingleRecipientBody(TestNumbers.Number(block, n % 1_000_000), "Latency probe " + n.ToString(CultureInfo.InvariantCulture), withCallback: false);
            var outcome = await environment.Client.SendAsync(body, ct).ConfigureAwait(false);
            statuses.AddOrUpdate((int)outcome.Status, 1, (_, c) => c + 1);
            if (outcome.Accepted)
            {
                Interlocked.Increment(ref acceptedTotal);
                return true;
            }

            if (outcome.Status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) && unexpected.Count < 10)
            {
                unexpected.Enqueue($"{(int)outcome.Status} {outcome.Error}");
            }

            return false;
        }

        // Steady state first: pipeline traffic until the app's JIT settles (quick: one short round).
        Console.WriteLine($"api-latency: warm-up until the app's JIT settles (≤ {SteadyState.JitSettledMillisecondsPerSecond:0} ms of JIT per s)");
        var steady = await SteadyState.WarmUpAsync(environment, options.Quick ? 100 : 1_000, 32, options.Quick ? TimeSpan.FromSeconds(25) : TimeSpan.FromSeconds(120),
            maxRounds: options.Quick ? 1 : 8, budget: options.Quick ? TimeSpan.Zero : TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
        result.Notes.Add("Steady state: " + steady.Describe() + ".");
        if (steady.Broken is { } broken)
        {
            result.Failures.Add($"api-latency warm-up: {broken}; {string.Join("; ", broken.SampleErrors)}; {environment.Diagnose()}");
            return;
        }

        await MeasureSequentialAsync(environment, options, result, drain, SendOneAsync, () => acceptedTotal, cancellationToken).ConfigureAwait(false);

        var perRate = new List<object>();
        var otherCores = new List<double>();
        double? highestUnderTarget = null;
        foreach (var rate in Rates)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"api-latency: {rate} req/s, warm-up {warmUp.TotalSeconds} s, then {Runs} × {duration.TotalSeconds} s"));
            _ = await LoadDriver.OpenLoopAsync(rate, warmUp, MaxOutstanding, SendOneAsync, cancellationToken).ConfigureAwait(false);
            var outcomes = new List<OpenLoopOutcome>();
            for (var i = 0; i < Runs; i++)
            {
                await DrainAsync(environment, acceptedTotal, drain, cancellationToken).ConfigureAwait(false);
                var meter = await RunMeter.StartAsync(environment, cancellationToken).ConfigureAwait(false);
                var outcome = await LoadDriver.OpenLoopAsync(rate, duration, MaxOutstanding, SendOneAsync, cancellationToken).ConfigureAwait(false);
                var cost = await meter.StopAsync(cancellationToken).ConfigureAwait(false);
                // What else the cores did meanwhile (dispatch behind the API, other processes, GC) explains the tail.
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {i + 1}: p50 {Stats.Percentile(outcome.LatenciesMs, 50):0.0} ms, p99 {Stats.Percentile(outcome.LatenciesMs, 99):0.0} ms, errors {outcome.Failed}, over cap {outcome.OverCap}, achieved {outcome.ActualRate:0} req/s; {cost.Describe(outcome.LatenciesMs.Length)}, app GC pauses {cost.App.GcPauseMilliseconds:0} ms"));
                outcomes.Add(outcome);
                otherCores.Add(cost.Cpu.OtherCores);
            }

            var p99 = outcomes.Select(o => Stats.Percentile(o.LatenciesMs, 99)).ToArray();
            var errors = outcomes.Select(o => (double)(o.Failed + o.OverCap)).ToArray();
            var label = rate.ToString(CultureInfo.InvariantCulture) + " req/s";
            result.Figures.Add(new Figure($"{label}: latency p50", "ms", outcomes.Select(o => Stats.Percentile(o.LatenciesMs, 50))));
            result.Figures.Add(new Figure($"{label}: latency p95", "ms", outcomes.Select(o => Stats.Percentile(o.LatenciesMs, 95))));
            result.Figures.Add(new Figure($"{label}: latency p99", "ms", p99,
                rate == 200 ? "< 50 ms" : null, rate == 200 ? Stats.Median(p99) < LatencyTargetMs : null));
            result.Figures.Add(new Figure($"{label}: errors (incl. over cap)", "requests", errors));
            result.Figures.Add(new Figure($"{label}: achieved rate", "req/s", outcomes.Select(o => o.ActualRate)));
            perRate.Add(new { rate, runs = outcomes.Select(o => new { o.Scheduled, succeeded = o.LatenciesMs.Length, o.Failed, o.OverCap, o.ActualRate }) });
            if (Stats.Median(p99) < LatencyTargetMs && errors.All(e => e == 0)) { highestUnderTarget = rate; }
        }

        result.Figures.Add(new Figure("CPU of other processes on the machine during the open-loop runs", "cores", otherCores));
        if (Stats.Median(otherCores) > 0.2)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"WARNING: other processes used {Stats.Median(otherCores):0.00} cores of {Environment.ProcessorCount} during the open-loop runs: latencies are higher than this machine gives when idle."));
        }

        result.Figures.Add(Figure.Single("highest rate with p99 < 50 ms and no errors", "req/s", highestUnderTarget ?? 0, "≥ 200", (highestUnderTarget ?? 0) >= 200));
        result.Details["perRate"] = perRate;
        result.Details["statuses"] = statuses.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value, StringComparer.Ordinal);
        foreach (var problem in unexpected)
        {
            result.Failures.Add("unexpected answer to POST /api/messages: " + problem);
        }

        if (!unexpected.IsEmpty) { result.Failures.Add("where: " + environment.Diagnose()); }

        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Open loop: requests fired on schedule whatever the answers, at most {MaxOutstanding} outstanding (a request due beyond that is counted as over cap); latency from firing to the 201; single recipient, no callback; {duration.TotalSeconds} s per run."));
    }

    /// <summary>
    /// One client sending one SMS at a time, each as soon as the previous one was answered: the latency a single
    /// caller sees per accepted SMS, without queueing behind other clients. Dispatch runs behind it as usual.
    /// </summary>
    private static async Task MeasureSequentialAsync(
        PipelineEnvironment environment, BenchOptions options, ScenarioResult result, TimeSpan drain,
        Func<CancellationToken, Task<bool>> sendOne, Func<int> accepted, CancellationToken cancellationToken)
    {
        var count = options.Quick ? 50 : 500;
        var limit = options.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"api-latency: one sequential client, {Runs} runs of {count} sends"));
        var runs = new List<(double[] Latencies, int Failed)>();
        for (var i = 0; i < Runs; i++)
        {
            await DrainAsync(environment, accepted(), drain, cancellationToken).ConfigureAwait(false);
            var latencies = new List<double>(count);
            var failed = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var n = 0; n < count && clock.Elapsed < limit; n++)
            {
                var sent = System.Diagnostics.Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await sendOne(cancellationToken).ConfigureAwait(false); }
                catch (HttpRequestException) { ok = false; }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { ok = false; } // client timeout

                if (ok) { latencies.Add(System.Diagnostics.Stopwatch.GetElapsedTime(sent).TotalMilliseconds); }
                else { failed++; }
            }

            var array = latencies.ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  sequential run {i + 1}: {array.Length} accepted, p50 {Stats.Percentile(array, 50):0.0} ms, p99 {Stats.Percentile(array, 99):0.0} ms, errors {failed}"));
            runs.Add((array, failed));
        }

        result.Figures.Add(new Figure("one sequential client: latency p50 per accepted SMS", "ms", runs.Select(r => Stats.Percentile(r.Latencies, 50))));
        result.Figures.Add(new Figure("one sequential client: latency p99 per accepted SMS", "ms", runs.Select(r => Stats.Percentile(r.Latencies, 99))));
        result.Figures.Add(new Figure("one sequential client: errors", "requests", runs.Select(r => (double)r.Failed)));
    }

    /// <summary>Waits (bounded) until fakesmsc has seen as many messages as the API accepted, so the dispatch backlog
    /// of one run does not slow the next.</summary>
    private static async Task DrainAsync(PipelineEnvironment environment, int accepted, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (environment.Kannel.SmscMessages.Count < accepted && clock.Elapsed < limit)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}
