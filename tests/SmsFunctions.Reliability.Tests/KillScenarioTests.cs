using SmsFunctions.Testing.Faults;

namespace SmsFunctions.Reliability.Tests;

/// <summary>
/// Scenario c: <c>kill -9</c> of the gateway at random moments during a load of keyed single sends, restarted each
/// time on the same storage (and port, so Kannel's receipts find it); every client retries with the same
/// Idempotency-Key until answered. Once with the sandbox, once with Kannel. Scale: 600 messages and 6 kills per
/// carrier (issue 11 suggests 2,000 and 20; cut to fit the suite's time budget on a 2-core machine).
/// </summary>
[Collection(nameof(ReliabilityCollection))]
public sealed class KillScenarioTests(ReliabilityFixture fixture)
{
    private const int Messages = 2_000;
    private const int Kills = 20;

    [Theory]
    [InlineData("Sandbox")]
    [InlineData("Kannel")]
    public async Task KilledAtRandomMomentsUnderLoadItLosesDuplicatesAndMischargesNothing(string carrier)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await FaultScenario.StartAsync($"c. kill -9 under load, {carrier}", fixture, kannel: carrier == "Kannel", faultProxy: false, cancellationToken: ct);
        var random = new Random(carrier.Length * 7919);
        // Kill points spread over the load: after a random number of answers within each of Kills equal slices.
        var killAt = Enumerable.Range(0, Kills).Select(k => (k * Messages / Kills) + random.Next(10, Messages / Kills - 10)).ToArray();
        var reached = killAt.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        void OnAnswered(int answered)
        {
            for (var k = 0; k < killAt.Length; k++) { if (answered >= killAt[k]) { reached[k].TrySetResult(); } }
        }

        // A client keeps retrying for a minute: with a kill every ~8 s, a key can lose its first attempt and then its
        // resumption (each waits out the 10 s pending timeout) before a process lives long enough to finish it.
        var load = Load.SendAsync(scenario, Messages, clients: 8, TimeSpan.FromSeconds(60), OnAnswered, ct);
        for (var k = 0; k < Kills; k++)
        {
            await Task.WhenAny(reached[k].Task, load);
            if (load.IsCompleted) { break; }
            await Task.Delay(random.Next(0, 400), ct); // a random moment, not an answer boundary
            await scenario.Gateway.KillAsync(ct);
            await Task.Delay(random.Next(100, 800), ct);
            await scenario.Gateway.StartAsync(ct);
        }

        var sends = await load;
        var report = await scenario.CheckAsync(sends, null, TimeSpan.FromSeconds(60), duplicateWebhooksTolerated: true, cancellationToken: ct);
        Assert.True(scenario.Gateway.Kills >= 3, $"only {scenario.Gateway.Kills} kills happened before the load ended");
        // Every invariant, webhooks included, for both carriers: a sandbox receipt queues its callback's intent before
        // the state change (nothing repeats it if the process dies), Kannel repeats an unanswered receipt.
        Assert.True(report.Holds, report.ToString());
    }
}
