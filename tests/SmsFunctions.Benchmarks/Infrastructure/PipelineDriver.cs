using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>One pipeline run: sends accepted, errors, rates, and accept→DELIVERED-callback latencies (ms).</summary>
internal sealed record PipelineRun(
    int Count, int Accepted, int Errors, int CalledBack, double AcceptedPerSecond, double CalledBackPerSecond, double[] LatenciesMs,
    IReadOnlyList<string> SampleErrors)
{
    public bool Complete => Accepted == Count && CalledBack == Count && Errors == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"accepted {Accepted}/{Count} at {AcceptedPerSecond:0}/s, delivered+called back {CalledBack} at {CalledBackPerSecond:0}/s, errors {Errors}");
}

/// <summary>
/// Drives single-recipient sends through the whole pipeline (closed loop, bounded concurrency) and waits for every
/// accepted message's DELIVERED callback, all within one deadline.
/// </summary>
internal static class PipelineDriver
{
    public static async Task<PipelineRun> RunAsync(PipelineEnvironment environment, int count, int concurrency, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var block = TestNumbers.NextBlock();
        var bodies = Enumerable.Range(0, count)
            .Select(i => environment.SingleRecipientBody(TestNumbers.Number(block, i), "Benchmark message " + i.ToString(CultureInfo.InvariantCulture)))
            .ToArray();
        var acceptedAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var errors = new ConcurrentQueue<string>();

        var started = Stopwatch.GetTimestamp();
        var sent = await LoadDriver.ClosedLoopAsync(count, concurrency, deadline, async (i, ct) =>
        {
            var outcome = await environment.Client.SendAsync(bodies[i], ct).ConfigureAwait(false);
            if (outcome.Accepted)
            {
                acceptedAt[outcome.Id!] = Stopwatch.GetTimestamp();
                return true;
            }

            if (errors.Count < 10) { errors.Enqueue($"{(int)outcome.Status} {outcome.Error}"); }
            return false;
        }, cancellationToken).ConfigureAwait(false);

        // Wait for the callbacks within what is left of the deadline; checking every id is O(n) per poll, cheap at
        // these counts and immune to stragglers from earlier runs.
        var remaining = deadline - Stopwatch.GetElapsedTime(started);
        var waited = Stopwatch.StartNew();
        int calledBack;
        while ((calledBack = CountCalledBack()) < acceptedAt.Count && waited.Elapsed < remaining)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        var latencies = new List<double>(acceptedAt.Count);
        long lastCallback = 0;
        foreach (var (id, accepted) in acceptedAt)
        {
            if (!environment.Callbacks.TryGetDeliveredAt(id, out var delivered)) { continue; }
            lastCallback = Math.Max(lastCallback, delivered);
            // A callback can beat the client's own bookkeeping of the 201 by microseconds; clamp at zero.
            latencies.Add(Math.Max(0, (delivered - accepted) * 1000.0 / Stopwatch.Frequency));
        }

        return new PipelineRun(count, sent.Succeeded, sent.Failed + (count - sent.Started), calledBack,
            sent.SucceededPerSecond,
            calledBack == 0 ? 0 : calledBack / ClosedLoopOutcome.Seconds(started, lastCallback),
            [.. latencies],
            [.. errors]);

        int CountCalledBack() => acceptedAt.Keys.Count(id => environment.Callbacks.TryGetDeliveredAt(id, out _));
    }
}
