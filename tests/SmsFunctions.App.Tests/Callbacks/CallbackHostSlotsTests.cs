using Microsoft.Extensions.Options;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>Webhook requests per host are bounded; a busy host's deliveries go back to the queue under their own id.</summary>
public sealed class CallbackHostSlotsTests
{
    private sealed class Monitor(CallbackOptions value) : IOptionsMonitor<CallbackOptions>
    {
        public CallbackOptions CurrentValue => value;

        public CallbackOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CallbackOptions, string?> listener) => null;
    }

    [Fact]
    public void ByDefaultReplaysWaitLongerThanACallbackCanWaitForItsSlotAndItsAnswer()
    {
        // A replay handled by another instance cannot see a callback in hand here: it must come after that callback's
        // record, or the receiver gets the state twice.
        var defaults = new CallbackOptions();
        var longestWait = defaults.HostSlotWaitSeconds + defaults.TimeoutSeconds;
        Assert.True(defaults.ReplayDelaySeconds > longestWait, $"ReplayDelaySeconds {defaults.ReplayDelaySeconds} <= {longestWait}");
        Assert.True(defaults.CancelReplayDelaySeconds > longestWait, $"CancelReplayDelaySeconds {defaults.CancelReplayDelaySeconds} <= {longestWait}");
    }

    [Fact]
    public void AHostGetsAtMostItsShareAndOtherHostsAreNotAffected()
    {
        using var slots = new CallbackHostSlots(new Monitor(new CallbackOptions { MaxConcurrentPerHost = 2 }));
        var stalling = new Uri("https://stalling.example.com/hook");

        using var first = slots.TryTake(stalling);
        var second = slots.TryTake(new Uri("https://STALLING.example.com/other"));
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryTake(stalling));
        using (var elsewhere = slots.TryTake(new Uri("https://other.example.com/hook")))
        {
            Assert.NotNull(elsewhere);
        }

        second!.Dispose();
        using var again = slots.TryTake(stalling);
        Assert.NotNull(again);
    }

    [Fact]
    public void ADeferredDeliveryIsQueuedUnderItsOwnIdAndARetryStartsAfresh()
    {
        var e = new CallbackEvent("acct", "0199aa55bb66cc77dd88ee99", "+393331234567", "DELIVERED", DateTimeOffset.UnixEpoch);
        var deferred = e with { Deferrals = 1 };

        Assert.NotEqual(e.Id, deferred.Id);
        Assert.NotEqual(deferred.Id, (deferred with { Deferrals = 2 }).Id);
        Assert.Equal((e with { Attempt = 2 }).Id, (deferred with { Attempt = 2, Deferrals = 0 }).Id);
        Assert.Equal(1, CallbackWork.Parse(new CallbackWork(1, [deferred]).ToJson()).Events[0].Deferrals);
    }
}
