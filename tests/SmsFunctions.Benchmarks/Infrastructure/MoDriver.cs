using System.Diagnostics;
using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>One MO run: MOs injected and arrived, rates, and injection → arrival latencies (ms).</summary>
internal sealed record MoRun(int Count, int Injected, int Arrived, int Duplicates, double InjectedPerSecond, double ArrivedPerSecond, double[] LatenciesMs)
{
    public bool Complete => Injected == Count && Arrived == Count;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"injected {Injected}/{Count} at {InjectedPerSecond:0}/s, arrived {Arrived} at {ArrivedPerSecond:0}/s, duplicates {Duplicates}");
}

/// <summary>
/// Injects MOs through fakesmsc with at most <c>window</c> of them on their way (injected, not yet arrived): the MO
/// counterpart of the pipeline's closed loop of concurrent clients. Each MO comes from its own handset to one
/// number; a run is bounded by its count and its deadline.
/// </summary>
internal static class MoDriver
{
    private static int _runs;

    public static async Task<MoRun> RunAsync(MoInjector injector, MoSink sink, string to, int count, int window, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(injector);
        ArgumentNullException.ThrowIfNull(sink);
        var run = "r" + Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture);
        var block = TestNumbers.NextBlock();
        var lines = Enumerable.Range(0, count)
            .Select(i => $"{TestNumbers.Number(block, i)} {to} text MO {run} {i.ToString(CultureInfo.InvariantCulture)}").ToArray();
        var injectedAt = new long[count];
        using var places = new SemaphoreSlim(window);
        sink.BeginRun(run, count, places);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(deadline);

        var started = Stopwatch.GetTimestamp();
        var injected = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                await places.WaitAsync(limit.Token).ConfigureAwait(false);
                if (injector.HasExited) { break; }
                injectedAt[i] = Stopwatch.GetTimestamp();
                injector.Inject(lines[i]);
                injected++;
            }

            var lastInjected = Stopwatch.GetTimestamp();
            while (sink.Arrived < injected) { await Task.Delay(10, limit.Token).ConfigureAwait(false); }
            return Outcome(lastInjected);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Outcome(Stopwatch.GetTimestamp()); // the deadline: an incomplete run
        }

        MoRun Outcome(long lastInjected)
        {
            var latencies = new List<double>(injected);
            long lastArrival = 0;
            for (var i = 0; i < injected; i++)
            {
                var arrived = sink.ArrivedAt(i);
                if (arrived == 0) { continue; }
                lastArrival = Math.Max(lastArrival, arrived);
                latencies.Add(Math.Max(0, (arrived - injectedAt[i]) * 1000.0 / Stopwatch.Frequency));
            }

            return new MoRun(count, injected, latencies.Count, sink.Duplicates,
                injected == 0 ? 0 : injected / ClosedLoopOutcome.Seconds(started, lastInjected),
                latencies.Count == 0 ? 0 : latencies.Count / ClosedLoopOutcome.Seconds(started, lastArrival),
                [.. latencies]);
        }
    }
}
