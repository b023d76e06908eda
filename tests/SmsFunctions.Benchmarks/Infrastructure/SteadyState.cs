using System.Diagnostics;
using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>How a steady-state warm-up ended: rounds run, the JIT rate of the last one, whether it settled.</summary>
internal sealed record WarmUpOutcome(int Rounds, double LastJitMillisecondsPerSecond, bool Settled, bool ProbeAvailable, PipelineRun? Broken)
{
    public string Describe() => !ProbeAvailable
        ? string.Create(CultureInfo.InvariantCulture, $"{Rounds} warm-up round(s); the app's JIT counters were not available (no probe), so settling was not checked")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Rounds} warm-up round(s); app JIT in the last one {LastJitMillisecondsPerSecond:0.0} ms/s — {(Settled ? "settled" : "NOT settled within the warm-up budget (--quick does not wait for it)")}");
}

/// <summary>
/// Warm-up until the app's JIT settles: the app (tiered compilation with dynamic PGO) keeps compiling and
/// re-compiling for thousands of requests, and a run measured meanwhile shares the cores with the JIT — on a 2-core
/// machine that made the first measured runs 30–40 % slower than later ones and the figures incomparable between
/// machines. Rounds of pipeline traffic run until two in a row spend at most <see cref="JitSettledMillisecondsPerSecond"/>
/// of JIT time per second (read in the app by its probe), bounded by a round count and a time budget.
/// </summary>
internal static class SteadyState
{
    /// <summary>1 % of one core: what tier-1 recompiles of rarely-called methods and timers still cost at steady state.</summary>
    public const double JitSettledMillisecondsPerSecond = 10;

    public static async Task<WarmUpOutcome> WarmUpAsync(
        PipelineEnvironment environment, int count, int concurrency, TimeSpan runDeadline, int maxRounds, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var clock = Stopwatch.StartNew();
        double jit = double.NaN;
        var quiet = 0;
        for (var round = 1; round <= maxRounds; round++)
        {
            var meter = await RunMeter.StartAsync(environment, cancellationToken).ConfigureAwait(false);
            var run = await PipelineDriver.RunAsync(environment, count, concurrency, runDeadline, cancellationToken).ConfigureAwait(false);
            var cost = await meter.StopAsync(cancellationToken).ConfigureAwait(false);
            var probed = cost.App.Seconds > 0;
            jit = cost.App.JitMillisecondsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  steady-state warm-up {round}: {run}; app JIT {(probed ? $"{jit:0.0} ms/s, {cost.App.JitMethods:0} methods" : "unknown (no probe)")}"));
            if (!run.Complete) { return new WarmUpOutcome(round, jit, false, probed, run); }
            if (!probed) { return new WarmUpOutcome(round, jit, false, false, null); }
            // Two quiet rounds in a row: one alone was sometimes followed by another burst of tier-1 compiles.
            quiet = jit <= JitSettledMillisecondsPerSecond ? quiet + 1 : 0;
            if (quiet == 2 || (quiet == 1 && maxRounds == 1)) { return new WarmUpOutcome(round, jit, true, true, null); }
            if (clock.Elapsed > budget) { return new WarmUpOutcome(round, jit, false, true, null); }
        }

        return new WarmUpOutcome(maxRounds, jit, false, true, null);
    }
}
