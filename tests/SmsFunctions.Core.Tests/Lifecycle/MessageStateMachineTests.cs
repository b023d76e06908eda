using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

public class MessageStateMachineTests
{
    [Theory]
    [InlineData(MessageState.Draft, MessageState.Queued)]
    [InlineData(MessageState.Draft, MessageState.Scheduled)]
    [InlineData(MessageState.Draft, MessageState.Canceled)]
    [InlineData(MessageState.Draft, MessageState.Blocked)]
    [InlineData(MessageState.Scheduled, MessageState.Queued)]
    [InlineData(MessageState.Scheduled, MessageState.Canceled)]
    [InlineData(MessageState.Queued, MessageState.Canceled)]
    public void ApiAndSchedulerMovesApply(MessageState from, MessageState to)
    {
        Assert.True(MessageStateMachine.TryApply(from, to, out var result));
        Assert.Equal(to, result);
    }

    [Theory]
    [InlineData(MessageState.Scheduled, MessageState.Draft)]
    [InlineData(MessageState.Delivered, MessageState.Canceled)]
    [InlineData(MessageState.Canceled, MessageState.Queued)]
    [InlineData(MessageState.Sending, MessageState.Canceled)]
    public void OtherMovesDoNotApply(MessageState from, MessageState to)
    {
        Assert.False(MessageStateMachine.TryApply(from, to, out var result));
        Assert.Equal(from, result);
    }

    [Fact]
    public void DeliveryOutcomesAreTerminal()
    {
        Assert.True(MessageState.PartiallyDelivered.IsTerminal());
        Assert.True(MessageState.Blocked.IsTerminal());
        Assert.False(MessageState.Sent.IsTerminal());
    }
}
