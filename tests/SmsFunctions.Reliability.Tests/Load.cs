using System.Collections.Concurrent;
using SmsFunctions.Testing.Faults;

namespace SmsFunctions.Reliability.Tests;

/// <summary>Keyed single sends by a fixed number of concurrent clients, each retried until answered.</summary>
internal static class Load
{
    public static async Task<IReadOnlyCollection<ClientOutcome>> SendAsync(
        FaultScenario scenario, int count, int clients, TimeSpan deadlinePerRequest, Action<int>? onAnswered = null, CancellationToken cancellationToken = default)
    {
        using var sender = scenario.Sender(deadlinePerRequest);
        var outcomes = new ConcurrentBag<ClientOutcome>();
        var answered = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var key = scenario.Key(i);
            var number = scenario.Number(i);
            outcomes.Add(await sender.SendAsync(key, [number], IdempotentSender.SingleBody(key, number, "Faults", scenario.CallbackUrl), ct));
            onAnswered?.Invoke(Interlocked.Increment(ref answered));
        });
        return [.. outcomes];
    }
}
