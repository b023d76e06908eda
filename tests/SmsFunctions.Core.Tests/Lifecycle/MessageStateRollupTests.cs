using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

public class MessageStateRollupTests
{
    [Fact]
    public void NoRecipientsIsDraft() => Assert.Equal(MessageState.Draft, MessageStateRollup.From(default));

    [Fact]
    public void AllDeliveredIsDelivered()
        => Assert.Equal(MessageState.Delivered, MessageStateRollup.From(new(Delivered: 100_000)));

    [Fact]
    public void SomeDeliveredRestTerminalIsPartiallyDelivered()
        => Assert.Equal(MessageState.PartiallyDelivered, MessageStateRollup.From(new(Delivered: 3, Undelivered: 1, Canceled: 2)));

    [Fact]
    public void AllCanceledIsCanceled() => Assert.Equal(MessageState.Canceled, MessageStateRollup.From(new(Canceled: 5)));

    [Fact]
    public void AnyBlockedIsBlocked() => Assert.Equal(MessageState.Blocked, MessageStateRollup.From(new(Blocked: 1, Queued: 4)));

    [Theory]
    [InlineData(3, 1, 1, 1, MessageState.Undelivered)]
    [InlineData(1, 3, 1, 1, MessageState.Expired)]
    [InlineData(1, 1, 3, 1, MessageState.Failed)]
    [InlineData(1, 1, 1, 3, MessageState.Rejected)]
    [InlineData(2, 2, 2, 2, MessageState.Undelivered)]
    [InlineData(0, 2, 2, 0, MessageState.Expired)]
    [InlineData(0, 0, 2, 2, MessageState.Failed)]
    public void NoneDeliveredIsTheMostCommonFailureWithTiesInFixedOrder(int undelivered, int expired, int failed, int rejected, MessageState expected)
        => Assert.Equal(expected, MessageStateRollup.From(new(Undelivered: undelivered, Expired: expired, Failed: failed, Rejected: rejected)));

    [Fact]
    public void CanceledRecipientsDoNotHideAFailure()
        => Assert.Equal(MessageState.Failed, MessageStateRollup.From(new(Canceled: 10, Failed: 1)));

    [Fact]
    public void AllQueuedIsQueued() => Assert.Equal(MessageState.Queued, MessageStateRollup.From(new(Queued: 10)));

    [Fact]
    public void AllScheduledIsScheduled() => Assert.Equal(MessageState.Scheduled, MessageStateRollup.From(new(Scheduled: 10)));

    [Fact]
    public void AllDraftIsDraft() => Assert.Equal(MessageState.Draft, MessageStateRollup.From(new(Draft: 2)));

    [Fact]
    public void AnyDispatchingIsSending() => Assert.Equal(MessageState.Sending, MessageStateRollup.From(new(Queued: 9, Dispatching: 1)));

    [Fact]
    public void SomeQueuedAndSomeSentIsSending() => Assert.Equal(MessageState.Sending, MessageStateRollup.From(new(Queued: 9, Sent: 1)));

    [Fact]
    public void SomeQueuedAndSomeAlreadyDeliveredIsSending()
        => Assert.Equal(MessageState.Sending, MessageStateRollup.From(new(Queued: 9, Delivered: 1)));

    [Fact]
    public void QueuedWithCanceledRestIsStillQueued()
        => Assert.Equal(MessageState.Queued, MessageStateRollup.From(new(Queued: 9, Canceled: 1)));

    [Fact]
    public void AllHandedToCarriersAwaitingReceiptsIsSent()
        => Assert.Equal(MessageState.Sent, MessageStateRollup.From(new(Sent: 5, Buffered: 2, Delivered: 3)));
}
