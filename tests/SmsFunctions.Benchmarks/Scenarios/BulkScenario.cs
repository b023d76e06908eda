using System.Diagnostics;
using System.Globalization;
using System.Text;
using SmsFunctions.Benchmarks.Infrastructure;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 4, <c>bulk</c>: one request per size with personalised recipients (<c>{{name}}</c>): time to the 201, time
/// until every recipient reached the SMSC through Kannel (counted at fakesmsc, which logs each SMS it receives), the
/// app's peak working set (a fresh app process per size, sampled from /proc), and the fitted growth exponents.
/// Each size has a hard deadline well past its target (1k: 60 s, 10k: 180 s, 100k: 400 s) so that a slow size is
/// still measured rather than cut off; a run that misses it ends that size's runs (its backlog would distort the
/// next run), and the next size starts on a fresh app. When one 100k run takes longer than 150 s, it is the only
/// one (the full scenario stays near 15 minutes), and the note says so. A run is a failure only when the request is
/// refused or nothing at all reaches Kannel.
/// </summary>
internal sealed class BulkScenario : IScenario
{
    private const int Runs = 3;
    private const string Template = "Hi {{name}}, your benchmark message is ready.";

    public string Name => "bulk";

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        int[] sizes = options.Sizes is { Count: > 0 } chosen ? [.. chosen] : options.Quick ? [100, 1_000] : [1_000, 10_000, 100_000];
        await using var environment = await PipelineEnvironment.StartAsync(4, countStorage: false, cancellationToken).ConfigureAwait(false);

        var points = new List<(int Size, double Accept, double Submit, double PeakMb)>();
        var drains = new List<double>();
        var runsBySize = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var size in sizes)
        {
            if (size != sizes[0])
            {
                // Drain before the restart: Kannel sends the last receipts to the running app's port, and the new
                // app listens on another one (a deployment's receipt URL does not move; this harness's does).
                if (await DrainCallbacksAsync(environment, cancellationToken).ConfigureAwait(false) is { } drained) { drains.Add(drained); }
                await environment.RestartAppAsync(4, cancellationToken).ConfigureAwait(false);
            }

            var deadline = TimeSpan.FromSeconds(options.Quick ? 30 : size switch { <= 1_000 => 60, <= 10_000 => 180, _ => 400 });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bulk: {size} recipients, warm-up, then {Runs} runs (deadline {deadline.TotalSeconds:0} s each)"));
            var warmUp = await RunOnceAsync(environment, 100, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (!warmUp.Complete)
            {
                result.Failures.Add($"bulk warm-up (100 recipients) incomplete: {warmUp}");
                break;
            }

            var runs = new List<BulkRun>();
            for (var i = 0; i < Runs; i++)
            {
                // Each run starts on a quiet pipeline: the webhooks of the runs before it are delivered first (bounded),
                // so that one run's callback backlog does not slow the next run's accept and fan-out.
                if (await DrainCallbacksAsync(environment, cancellationToken).ConfigureAwait(false) is { } drain) { drains.Add(drain); }
                var run = await RunOnceAsync(environment, size, deadline, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"  run {i + 1}: {run}");
                runs.Add(run);
                if (run.Error is not null || run.Submitted == 0)
                {
                    result.Failures.Add($"bulk {size}: {run}");
                    break;
                }

                if (!run.Complete)
                {
                    result.Notes.Add($"{size:N0} recipients, incomplete run: {environment.Diagnose()}");
                    break;
                }
                if (size >= 100_000 && run.SubmitSeconds > 150)
                {
                    result.Notes.Add($"{size:N0} recipients: run {runs.Count} took {run.SubmitSeconds:0} s to reach Kannel, so it was the last run of this size.");
                    break;
                }
            }

            var (_, hwm) = environment.App.ReadMemory();
            runsBySize[size.ToString(CultureInfo.InvariantCulture)] = new { runs, appHighWaterMarkMb = hwm / 1048576.0 };
            var label = size.ToString("N0", CultureInfo.InvariantCulture) + " recipients";
            var complete = runs.Where(r => r.Complete).ToArray();
            var accept = runs.Where(r => r.Error is null).Select(r => r.AcceptSeconds).ToArray();
            result.Figures.Add(new Figure($"{label}: time to 201", "s", accept,
                size == 100_000 ? "< 10 s" : null, size == 100_000 ? Stats.Median(accept) < 10 : null));
            result.Figures.Add(new Figure($"{label}: all submitted to Kannel", "s", complete.Select(r => r.SubmitSeconds),
                size == 100_000 ? "< 90 s" : null, size == 100_000 ? complete.Length > 0 && Stats.Median(complete.Select(r => r.SubmitSeconds).ToArray()) < 90 : null));
            result.Figures.Add(new Figure($"{label}: submitted to Kannel", "recipients/s", runs.Select(r => r.Submitted / r.SubmitSeconds)));
            result.Figures.Add(new Figure($"{label}: app peak working set", "MB", runs.Select(r => r.PeakRssMb),
                "< 512 MB", runs.All(r => r.PeakRssMb < 512)));
            if (complete.Length < runs.Count)
            {
                result.Notes.Add($"{label}: {complete.Length} of {runs.Count} runs submitted everything within the {deadline.TotalSeconds:0} s deadline.");
                continue;
            }

            points.Add((size, Stats.Median(accept), Stats.Median(complete.Select(r => r.SubmitSeconds).ToArray()), Stats.Median(runs.Select(r => r.PeakRssMb).ToArray())));
        }

        if (drains.Count > 0)
        {
            result.Figures.Add(new Figure("webhooks of earlier runs delivered while draining (no other load)", "callbacks/s", drains));
        }

        // Exponents over the sizes that completed: 1 is linear, below 1 better; memory should stay near 0.
        AddFit(result, "time to 201 vs size", points.Select(p => ((double)p.Size, p.Accept)).ToArray(), linearGoal: true);
        AddFit(result, "time to all submitted vs size", points.Select(p => ((double)p.Size, p.Submit)).ToArray(), linearGoal: true);
        AddFit(result, "peak working set vs size", points.Select(p => ((double)p.Size, p.PeakMb)).ToArray(), linearGoal: false);
        result.Details["runsBySize"] = runsBySize;
        result.Notes.Add($"One POST /api/messages per run with N recipient objects {{number, fields:{{name}}}} and body \"{Template}\" plus a JSON callback; \"submitted\" = SMS received by fakesmsc via Kannel for that run's numbers; peak working set = max VmRSS of the app sampled every 100 ms during the run (fresh app process per size).");
    }

    private static void AddFit(ScenarioResult result, string what, IReadOnlyList<(double X, double Y)> points, bool linearGoal)
    {
        var fit = Stats.FitLogLog(points);
        if (fit is null)
        {
            result.Notes.Add($"exponent of {what}: not enough completed sizes to fit");
            return;
        }

        result.Figures.Add(Figure.Single($"exponent of {what} (log-log fit, R² {fit.RSquared:0.00})", "", fit.Exponent,
            linearGoal ? "≤ 1" : "≈ 0", linearGoal ? fit.Exponent <= 1.1 : fit.Exponent <= 0.2));
    }

    private sealed record BulkRun(int Size, double AcceptSeconds, int Submitted, double SubmitSeconds, int CalledBack, double PeakRssMb, string? Error)
    {
        public bool Complete => Error is null && Submitted >= Size;

        public override string ToString() => Error is not null ? $"refused: {Error}" : string.Create(CultureInfo.InvariantCulture,
            $"201 after {AcceptSeconds:0.00} s, {Submitted}/{Size} submitted after {SubmitSeconds:0.0} s, {CalledBack} DELIVERED callbacks so far, peak working set {PeakRssMb:0} MB");
    }

    /// <summary>Waits (at most <see cref="DrainLimit"/>) until every recipient sent so far has its DELIVERED webhook;
    /// the rate at which they came in, or null when there was nothing to wait for.</summary>
    private static async Task<double?> DrainCallbacksAsync(PipelineEnvironment environment, CancellationToken cancellationToken)
    {
        var expected = Volatile.Read(ref _submittedSoFar);
        var before = Delivered(environment);
        if (before >= expected) { return null; }
        var started = Stopwatch.GetTimestamp();
        var lastArrival = started;
        var seen = before;
        // Until all are in, or none came for 10 s (a receipt lost with an app restart never comes), or the limit.
        while (seen < expected && Stopwatch.GetElapsedTime(started) < DrainLimit && Stopwatch.GetElapsedTime(lastArrival) < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            var now = Delivered(environment);
            if (now > seen) { seen = now; lastArrival = Stopwatch.GetTimestamp(); }
        }

        var seconds = Stopwatch.GetElapsedTime(started, lastArrival).TotalSeconds;
        var after = seen;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  (waited {seconds:0.0} s for {after - before} webhooks of earlier runs{(after < expected ? $"; {expected - after} still pending, going on" : "")})"));
        return (after - before) / Math.Max(seconds, 1e-3);
    }

    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(120);

    private static int _submittedSoFar;

    private static int Delivered(PipelineEnvironment environment) =>
        environment.Callbacks.ByState.TryGetValue("DELIVERED", out var n) ? n : 0;

    private static async Task<BulkRun> RunOnceAsync(PipelineEnvironment environment, int size, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var block = TestNumbers.NextBlock();
        var marker = TestNumbers.BlockMarker(block);
        var body = BuildBody(environment, block, size);
        var smscBefore = environment.Kannel.SmscMessages.Count;

        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long peakRss = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, environment.App.ReadMemory().Rss);
                try { await Task.Delay(100, sampling.Token).ConfigureAwait(false); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await environment.Client.SendAsync(body, cancellationToken).ConfigureAwait(false);
            var acceptSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (outcome.Accepted) { Interlocked.Add(ref _submittedSoFar, size); }
            else
            {
                return new BulkRun(size, acceptSeconds, 0, 0, 0, 0, $"{(int)outcome.Status} {outcome.Error}");
            }

            // Count only this run's numbers, scanning only what arrived since the last look.
            var seen = smscBefore;
            var submitted = 0;
            var lastSubmitAt = started;
            while (submitted < size && Stopwatch.GetElapsedTime(started) < deadline)
            {
                var messages = environment.Kannel.SmscMessages;
                for (; seen < messages.Count; seen++)
                {
                    if (messages[seen].To.Contains(marker, StringComparison.Ordinal)) { submitted++; lastSubmitAt = Stopwatch.GetTimestamp(); }
                }

                if (submitted < size) { await Task.Delay(200, cancellationToken).ConfigureAwait(false); }
            }

            return new BulkRun(size, acceptSeconds, submitted, Math.Max(Stopwatch.GetElapsedTime(started, lastSubmitAt).TotalSeconds, 1e-3),
                environment.Callbacks.DeliveredCallbacks(outcome.Id!), peakRss / 1048576.0, null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new BulkRun(size, Stopwatch.GetElapsedTime(started).TotalSeconds, 0, 0, 0, peakRss / 1048576.0, "no answer within the client timeout");
        }
        finally
        {
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
        }
    }

    private static byte[] BuildBody(PipelineEnvironment environment, int block, int size)
    {
        var json = new StringBuilder(size * 64);
        json.Append("{\"sender\":\"Bench\",\"body\":\"").Append(Template)
            .Append("\",\"callback\":{\"url\":\"").Append(environment.CallbackUrl)
            .Append("\",\"method\":\"JSON\",\"field\":\"data\"},\"recipients\":[");
        for (var i = 0; i < size; i++)
        {
            if (i > 0) { json.Append(','); }
            json.Append("{\"number\":\"").Append(TestNumbers.Number(block, i))
                .Append("\",\"fields\":{\"name\":\"Customer ").Append(i).Append("\"}}");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }
}
