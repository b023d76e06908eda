using System.Diagnostics;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>Outcome of a closed-loop run: how many operations succeeded or failed, when the last one finished
/// (Stopwatch timestamp) and whether the deadline cut the run short.</summary>
internal sealed record ClosedLoopOutcome(int Started, int Succeeded, int Failed, long StartedAt, long LastSuccessAt, bool DeadlineHit)
{
    public double SucceededPerSecond => Succeeded == 0 ? 0 : Succeeded / Seconds(StartedAt, LastSuccessAt);

    public static double Seconds(long from, long to) => Math.Max(to - from, 1) / (double)Stopwatch.Frequency;
}

/// <summary>Outcome of an open-loop run: latencies (ms) of the requests that succeeded, failures, and requests not
/// fired because the cap on outstanding requests was reached.</summary>
internal sealed record OpenLoopOutcome(int Scheduled, double[] LatenciesMs, int Failed, int OverCap, double ActualRate);

/// <summary>
/// Load shapes. Both are bounded twice: by a count and by a deadline, so a hung system under test cannot hang the
/// harness.
/// </summary>
internal static class LoadDriver
{
    /// <summary>Closed loop: <paramref name="concurrency"/> workers each start the next of <paramref name="count"/>
    /// operations as soon as their previous one finished, until all are done or the deadline passes.</summary>
    public static async Task<ClosedLoopOutcome> ClosedLoopAsync(
        int count, int concurrency, TimeSpan deadline, Func<int, CancellationToken, Task<bool>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(deadline);
        var next = -1;
        int succeeded = 0, failed = 0;
        long lastSuccess = 0;
        var startedAt = Stopwatch.GetTimestamp();

        async Task WorkerAsync()
        {
            while (!limit.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= count) { return; }
                bool ok;
                try
                {
                    ok = await operation(index, limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or Azure.RequestFailedException or IOException
                    or (TaskCanceledException and not OperationCanceledException { CancellationToken.IsCancellationRequested: true }))
                {
                    ok = false; // a failed or timed-out operation counts against the run, it does not end it
                }

                if (ok)
                {
                    Interlocked.Increment(ref succeeded);
                    var now = Stopwatch.GetTimestamp();
                    long seen;
                    while ((seen = Volatile.Read(ref lastSuccess)) < now && Interlocked.CompareExchange(ref lastSuccess, now, seen) != seen) { }
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, Math.Max(count, 1))).Select(_ => Task.Run(WorkerAsync, CancellationToken.None))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new ClosedLoopOutcome(Math.Min(next + 1, count), succeeded, failed, startedAt, lastSuccess, limit.IsCancellationRequested);
    }

    /// <summary>
    /// Open loop: fires requests on a fixed schedule (<paramref name="rate"/> per second for <paramref name="duration"/>)
    /// whether or not earlier ones answered, so a slow server meets growing load instead of slowing the client down.
    /// At most <paramref name="maxOutstanding"/> are in flight; a request due while the cap is reached is not fired
    /// and counted as over cap. Latency is measured from the moment each request is fired.
    /// </summary>
    public static async Task<OpenLoopOutcome> OpenLoopAsync(
        double rate, TimeSpan duration, int maxOutstanding, Func<CancellationToken, Task<bool>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var total = (int)Math.Round(rate * duration.TotalSeconds);
        var latencies = new double[total];
        var latencyCount = 0;
        int failed = 0, overCap = 0, outstanding = 0;
        var inFlight = new List<Task>(total);
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        var fired = 0;

        async Task FireAsync()
        {
            var sent = Stopwatch.GetTimestamp();
            bool ok;
            try { ok = await operation(cancellationToken).ConfigureAwait(false); }
            catch (HttpRequestException) { ok = false; }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { ok = false; } // client timeout
            finally { Interlocked.Decrement(ref outstanding); }

            if (ok)
            {
                latencies[Interlocked.Increment(ref latencyCount) - 1] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }

        for (var i = 0; i < total; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var due = start + (long)(i * ticksPerRequest);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                // Task.Delay has ~1 ms granularity; sleeping instead of spinning leaves the cores to the system under test.
                await Task.Delay(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), cancellationToken).ConfigureAwait(false);
            }

            if (Interlocked.Increment(ref outstanding) > maxOutstanding)
            {
                Interlocked.Decrement(ref outstanding);
                overCap++;
                continue;
            }

            fired++;
            inFlight.Add(Task.Run(FireAsync, CancellationToken.None));
        }

        var firingSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(inFlight).ConfigureAwait(false);
        return new OpenLoopOutcome(total, latencies.AsSpan(0, latencyCount).ToArray(), failed, overCap, fired / Math.Max(firingSeconds, 1e-9));
    }
}
