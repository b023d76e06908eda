using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

public class LifecycleApiNamesTests
{
    [Theory]
    [InlineData(MessageState.PartiallyDelivered, "PARTIALLY_DELIVERED")]
    [InlineData(MessageState.Draft, "DRAFT")]
    [InlineData(MessageState.Canceled, "CANCELED")]
    public void MessageStatesHaveUpperSnakeNames(MessageState state, string name) => Assert.Equal(name, state.ToApiName());

    [Theory]
    [InlineData(RecipientState.Dispatching, "DISPATCHING")]
    [InlineData(RecipientState.Buffered, "BUFFERED")]
    [InlineData(RecipientState.Undelivered, "UNDELIVERED")]
    public void RecipientStatesHaveUpperSnakeNames(RecipientState state, string name) => Assert.Equal(name, state.ToApiName());

    [Fact]
    public void EveryMessageStateRoundTrips()
    {
        foreach (var state in Enum.GetValues<MessageState>())
        {
            Assert.True(LifecycleApiNames.TryParseApiName(state.ToApiName(), out MessageState parsed));
            Assert.Equal(state, parsed);
        }
    }

    [Fact]
    public void EveryRecipientStateRoundTrips()
    {
        foreach (var state in Enum.GetValues<RecipientState>())
        {
            Assert.True(LifecycleApiNames.TryParseApiName(state.ToApiName().ToLowerInvariant(), out RecipientState parsed));
            Assert.Equal(state, parsed);
        }
    }

    [Theory]
    [InlineData("PartiallyDelivered")]
    [InlineData("NEW")]
    [InlineData("")]
    [InlineData(null)]
    public void UnknownNamesDoNotParse(string? name) => Assert.False(LifecycleApiNames.TryParseApiName(name, out MessageState _));
}
