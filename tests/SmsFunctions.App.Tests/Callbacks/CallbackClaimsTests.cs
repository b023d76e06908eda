using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>One copy of a recipient's callback for a state in hand at a time: replays yield, other copies wait.</summary>
public sealed class CallbackClaimsTests
{
    private static CallbackEvent Event(string state = "CANCELED", bool replay = false, int deferrals = 0) =>
        new("acct", "m1", "+393331234567", state, DateTimeOffset.UnixEpoch, Replay: replay, Deferrals: deferrals);

    [Fact]
    public void AReplayFindsTheCallbackInHandAndIsRefusedUntilItIsReleased()
    {
        var claims = new CallbackClaims();
        var held = claims.TryClaim(Event(deferrals: 1));

        Assert.NotNull(held);
        Assert.Null(claims.TryClaim(Event(replay: true)));
        Assert.NotNull(claims.TryClaim(Event(state: "DELIVERED", replay: true))); // another state is another callback

        held.Dispose();
        held.Dispose(); // twice is harmless
        using var replay = claims.TryClaim(Event(replay: true));
        Assert.NotNull(replay);
    }

    [Fact]
    public async Task ACopyWaitsForTheCallbackInHandAndSaysItWaited()
    {
        var claims = new CallbackClaims();
        var (first, firstWaited) = await claims.ClaimAsync(Event(replay: true), TestCancellation.Token);
        Assert.False(firstWaited);

        var second = claims.ClaimAsync(Event(), TestCancellation.Token);
        await Task.Delay(100, TestCancellation.Token);
        Assert.False(second.IsCompleted);

        first.Dispose();
        var (claim, waited) = await second.WaitAsync(TimeSpan.FromSeconds(5), TestCancellation.Token);
        Assert.True(waited);
        Assert.Equal(1, claims.Count);
        claim.Dispose();
        Assert.Equal(0, claims.Count);
    }
}
