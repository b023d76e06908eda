using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

public class RecipientStateMachineTests
{
    private static readonly RecipientState[] Terminals =
    [
        RecipientState.Delivered, RecipientState.Undelivered, RecipientState.Failed, RecipientState.Expired,
        RecipientState.Rejected, RecipientState.Canceled, RecipientState.Blocked,
    ];

    [Theory]
    [InlineData(RecipientState.Draft, RecipientState.Queued)]
    [InlineData(RecipientState.Draft, RecipientState.Scheduled)]
    [InlineData(RecipientState.Draft, RecipientState.Canceled)]
    [InlineData(RecipientState.Scheduled, RecipientState.Queued)]
    [InlineData(RecipientState.Scheduled, RecipientState.Canceled)]
    [InlineData(RecipientState.Queued, RecipientState.Dispatching)]
    [InlineData(RecipientState.Queued, RecipientState.Canceled)]
    [InlineData(RecipientState.Queued, RecipientState.Expired)]
    [InlineData(RecipientState.Queued, RecipientState.Failed)]
    [InlineData(RecipientState.Dispatching, RecipientState.Sent)]
    [InlineData(RecipientState.Dispatching, RecipientState.Failed)]
    [InlineData(RecipientState.Dispatching, RecipientState.Rejected)]
    [InlineData(RecipientState.Dispatching, RecipientState.Queued)]
    [InlineData(RecipientState.Dispatching, RecipientState.Expired)]
    [InlineData(RecipientState.Sent, RecipientState.Buffered)]
    [InlineData(RecipientState.Sent, RecipientState.Delivered)]
    [InlineData(RecipientState.Sent, RecipientState.Undelivered)]
    [InlineData(RecipientState.Buffered, RecipientState.Delivered)]
    [InlineData(RecipientState.Buffered, RecipientState.Expired)]
    public void ForwardMovesApply(RecipientState from, RecipientState to)
    {
        Assert.True(RecipientStateMachine.CanTransition(from, to));
        Assert.True(RecipientStateMachine.TryApply(from, to, out var result));
        Assert.Equal(to, result);
    }

    [Fact]
    public void TerminalStatesNeverChange()
    {
        foreach (var terminal in Terminals)
        {
            foreach (var to in Enum.GetValues<RecipientState>())
            {
                Assert.False(RecipientStateMachine.TryApply(terminal, to, out var result));
                Assert.Equal(terminal, result);
                Assert.Equal(TransitionOutcome.Ignored, RecipientStateMachine.Classify(terminal, to));
            }
        }
    }

    [Fact]
    public void LateSentReceiptAfterDeliveredIsIgnored()
    {
        Assert.False(RecipientStateMachine.TryApply(RecipientState.Delivered, RecipientState.Sent, out var result));
        Assert.Equal(RecipientState.Delivered, result);
    }

    [Fact]
    public void SentAfterBufferedIsIgnoredNotABackwardsMove()
        => Assert.Equal(TransitionOutcome.Ignored, RecipientStateMachine.Classify(RecipientState.Buffered, RecipientState.Sent));

    [Fact]
    public void FirstFinalReceiptWins()
    {
        RecipientStateMachine.TryApply(RecipientState.Sent, RecipientState.Delivered, out var state);
        RecipientStateMachine.TryApply(state, RecipientState.Undelivered, out state);

        Assert.Equal(RecipientState.Delivered, state);
    }

    [Fact]
    public void RepeatedReceiptIsIgnored()
        => Assert.Equal(TransitionOutcome.Ignored, RecipientStateMachine.Classify(RecipientState.Buffered, RecipientState.Buffered));

    [Fact]
    public void ReceiptBeforeOurSentWriteStillApplies()
        => Assert.True(RecipientStateMachine.CanTransition(RecipientState.Dispatching, RecipientState.Delivered));

    [Fact]
    public void ReceiptAfterAReleasedClaimStillApplies()
        => Assert.True(RecipientStateMachine.CanTransition(RecipientState.Queued, RecipientState.Delivered));

    [Theory]
    [InlineData(RecipientState.Draft, RecipientState.Delivered)]
    [InlineData(RecipientState.Draft, RecipientState.Dispatching)]
    [InlineData(RecipientState.Scheduled, RecipientState.Sent)]
    [InlineData(RecipientState.Sent, RecipientState.Canceled)]
    [InlineData(RecipientState.Buffered, RecipientState.Canceled)]
    public void NonsensicalMovesAreInvalid(RecipientState from, RecipientState to)
    {
        Assert.Equal(TransitionOutcome.Invalid, RecipientStateMachine.Classify(from, to));
        Assert.False(RecipientStateMachine.TryApply(from, to, out var result));
        Assert.Equal(from, result);
    }

    [Theory]
    [InlineData(RecipientState.Queued, RecipientState.Scheduled)]
    [InlineData(RecipientState.Sent, RecipientState.Dispatching)]
    [InlineData(RecipientState.Sent, RecipientState.Queued)]
    public void BackwardMovesOtherThanReleasingAClaimAreIgnored(RecipientState from, RecipientState to)
        => Assert.Equal(TransitionOutcome.Ignored, RecipientStateMachine.Classify(from, to));

    [Fact]
    public void OnlyStatesNotHandedToACarrierAreCancelable()
    {
        Assert.True(RecipientState.Queued.IsCancelable());
        Assert.False(RecipientState.Dispatching.IsCancelable());
        Assert.False(RecipientState.Sent.IsCancelable());
    }
}
