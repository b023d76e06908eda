using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

public class RecipientStateCountsTests
{
    [Fact]
    public void CountsAreAddable()
    {
        var sum = new RecipientStateCounts(Queued: 2, Delivered: 1) + new RecipientStateCounts(Queued: 1, Failed: 4);

        Assert.Equal(new RecipientStateCounts(Queued: 3, Delivered: 1, Failed: 4), sum);
        Assert.Equal(8, sum.Total);
        Assert.Equal(5, sum.Terminal);
        Assert.Equal(3, sum.InFlight);
    }

    [Fact]
    public void MoveShiftsOneRecipient()
    {
        var counts = RecipientStateCounts.Of(RecipientState.Queued, 100_000).Move(RecipientState.Queued, RecipientState.Dispatching);

        Assert.Equal(99_999, counts[RecipientState.Queued]);
        Assert.Equal(1, counts[RecipientState.Dispatching]);
        Assert.Equal(100_000, counts.Total);
    }

    [Fact]
    public void IndexerCoversEveryState()
    {
        foreach (var state in Enum.GetValues<RecipientState>())
        {
            Assert.Equal(7, RecipientStateCounts.Of(state, 7)[state]);
        }
    }
}
