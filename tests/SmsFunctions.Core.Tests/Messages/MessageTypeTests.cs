using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Tests.Messages;

public class MessageTypeTests
{
    [Theory]
    [InlineData(MessageType.Otp, "otp")]
    [InlineData(MessageType.Transactional, "transactional")]
    [InlineData(MessageType.Promotional, "promotional")]
    public void ApiNamesRoundTrip(MessageType type, string name)
    {
        Assert.Equal(name, type.ToApiName());
        Assert.True(MessageTypeExtensions.TryParseApiName(name.ToUpperInvariant(), out var parsed));
        Assert.Equal(type, parsed);
    }

    [Theory]
    [InlineData("marketing")]
    [InlineData(null)]
    public void UnknownTypesDoNotParse(string? name) => Assert.False(MessageTypeExtensions.TryParseApiName(name, out _));
}
