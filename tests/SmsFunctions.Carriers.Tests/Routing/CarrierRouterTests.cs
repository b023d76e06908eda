using SmsFunctions.Carriers.Routing;
using SmsFunctions.Carriers.Tests.Support;

namespace SmsFunctions.Carriers.Tests.Routing;

public sealed class CarrierRouterTests
{
    private readonly SteppingTimeProvider _time = new();

    private CarrierRouter Router(RoutingOptions options, params ICarrier[] carriers) =>
        new(carriers, new FixedOptionsMonitor<RoutingOptions>(options), _time, new ListLogger<CarrierRouter>());

    private static RoutingOptions ItalyChain(params string[] chain) => new()
    {
        Rules = new(StringComparer.OrdinalIgnoreCase) { ["IT"] = [.. chain] },
    };

    [Fact]
    public async Task AcceptedByTheFirstCarrierIsOneAttempt()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Accepted()) { Latency = TimeSpan.FromMilliseconds(12) };
        var router = Router(ItalyChain("Kannel", "Sandbox"), kannel, new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted()));
        var started = _time.GetUtcNow();

        var outcome = await router.RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.True(outcome.Accepted);
        Assert.Equal("Kannel", outcome.Carrier);
        Assert.Equal(
            [new RoutingAttempt("Kannel", 1, CarrierSubmitOutcome.Accepted, null, started, TimeSpan.FromMilliseconds(12), RoutingAction.Done)],
            outcome.Attempts);
    }

    [Fact]
    public async Task ThrottledCarrierIsRetriedOnScheduleThenFallsBackWithReasons()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Throttled("queue full")) { Latency = TimeSpan.FromMilliseconds(5) };
        var sandbox = new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted("sbx-1"));
        var router = Router(ItalyChain("Kannel", "Sandbox"), kannel, sandbox);
        var started = _time.GetUtcNow();

        var outcome = await _time.DriveAsync(() => router.RouteAndSubmitAsync(Submissions.To("+393331234567"), "it", TestContext.Current.CancellationToken));

        Assert.Equal(("Sandbox", "sbx-1", 4), (outcome.Carrier, outcome.Result.CarrierReference, outcome.AttemptCount));
        Assert.Equal(
            [("Kannel", 1, RoutingAction.Retry), ("Kannel", 2, RoutingAction.Retry), ("Kannel", 3, RoutingAction.Fallback), ("Sandbox", 1, RoutingAction.Done)],
            outcome.Attempts.Select(a => (a.Carrier, a.Attempt, a.Action)));
        // Default schedule: 200 ms, then 1000 ms, after 5 ms of carrier latency each.
        Assert.Equal(
            [started, started.AddMilliseconds(205), started.AddMilliseconds(1210), started.AddMilliseconds(1215)],
            outcome.Attempts.Select(a => a.At));
        Assert.All(outcome.Attempts.Take(3), a => Assert.Equal(TimeSpan.FromMilliseconds(5), a.Latency));
        Assert.Contains("queue full", outcome.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Contains("Retrying Kannel in 200 ms", outcome.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Contains("Falling back to Sandbox", outcome.Attempts[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransientErrorFallsBackTooAndConfiguredDelaysAreUsed()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Transient("connection refused"));
        var sandbox = new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted());
        var options = ItalyChain("Kannel", "Sandbox");
        options.RetryDelaysMilliseconds = [50];
        var started = _time.GetUtcNow();

        var outcome = await _time.DriveAsync(() => Router(options, kannel, sandbox).RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken));

        Assert.Equal((2, 1), (kannel.Calls, sandbox.Calls));
        Assert.Equal("Sandbox", outcome.Carrier);
        Assert.Equal(started.AddMilliseconds(50), outcome.Attempts[1].At);
    }

    [Fact]
    public async Task RejectedIsFinalWithoutRetryOrFallback()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Rejected("Receiver number not valid"));
        var sandbox = new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted());

        var outcome = await Router(ItalyChain("Kannel", "Sandbox"), kannel, sandbox).RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.Equal((CarrierSubmitOutcome.Rejected, "Kannel", 1, 0), (outcome.Result.Outcome, outcome.Carrier, kannel.Calls, sandbox.Calls));
        Assert.Equal(RoutingAction.Done, Assert.Single(outcome.Attempts).Action);
    }

    [Fact]
    public async Task UnknownOutcomeIsFinalSoTheSmsIsNeverSentTwice()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Unknown("no answer within 10 s"));
        var sandbox = new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted());

        var outcome = await Router(ItalyChain("Kannel", "Sandbox"), kannel, sandbox).RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.Equal((CarrierSubmitOutcome.Unknown, "Kannel", 1, 0), (outcome.Result.Outcome, outcome.Carrier, kannel.Calls, sandbox.Calls));
        Assert.Equal(RoutingAction.Done, Assert.Single(outcome.Attempts).Action);
    }

    [Fact]
    public async Task WhenEveryCarrierFailsTheLastAnswerIsReturnedAndTheRouterGivesUp()
    {
        var options = ItalyChain("Kannel", "Sandbox");
        options.RetryDelaysMilliseconds = [];
        var router = Router(options,
            new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Transient("down")),
            new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Throttled("busy")));

        var outcome = await router.RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.Equal((CarrierSubmitOutcome.Throttled, "Sandbox"), (outcome.Result.Outcome, outcome.Carrier));
        Assert.Equal([RoutingAction.Fallback, RoutingAction.GiveUp], outcome.Attempts.Select(a => a.Action));
        Assert.Contains("No carrier left", outcome.Attempts[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryAfterLongerThanTheScheduleFallsBackAtOnce()
    {
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Throttled("slow down", TimeSpan.FromSeconds(60)));
        var sandbox = new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted());

        var outcome = await Router(ItalyChain("Kannel", "Sandbox"), kannel, sandbox).RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.Equal((1, "Sandbox"), (kannel.Calls, outcome.Carrier));
        Assert.Contains("asks to wait 60 s", outcome.Attempts[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACarrierThatThrowsCountsAsTransient()
    {
        var options = ItalyChain("Kannel", "Sandbox");
        options.RetryDelaysMilliseconds = [];
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Accepted()) { Throws = new HttpRequestException("refused") };

        var outcome = await Router(options, kannel, new ScriptedCarrier("Sandbox", _time, CarrierSubmitResult.Accepted()))
            .RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.TransientError, outcome.Attempts[0].Outcome);
        Assert.Contains("HttpRequestException", outcome.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.True(outcome.Accepted);
    }

    [Fact]
    public async Task CancellationIsNotSwallowed()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var kannel = new ScriptedCarrier("Kannel", _time, CarrierSubmitResult.Accepted()) { Throws = new OperationCanceledException(cancelled.Token) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Router(ItalyChain("Kannel"), kannel).RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", cancelled.Token));
    }

    [Theory]
    [InlineData("IT", "Kannel")]
    [InlineData("FR", "Twilio")]
    [InlineData(null, "Twilio")]
    public void ChainIsTheCountryRuleElseTheCatchAll(string? country, string first)
    {
        var options = new RoutingOptions { Rules = new(StringComparer.OrdinalIgnoreCase) { ["IT"] = ["Kannel"], ["*"] = ["Twilio", "Sandbox"] } };

        Assert.Equal(first, options.ChainFor(country)[0]);
    }

    [Fact]
    public void WithoutRulesTheDefaultCarrierIsTheChain() =>
        Assert.Equal(["Kannel"], new RoutingOptions { DefaultCarrier = "Kannel" }.ChainFor("IT"));
}
