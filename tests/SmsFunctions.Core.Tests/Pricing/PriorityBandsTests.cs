using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;

namespace SmsFunctions.Core.Tests.Pricing;

public class PriorityBandsTests
{
    [Theory]
    [InlineData(MessageType.Otp, "1.00", PriorityBand.High)]
    [InlineData(MessageType.Transactional, "1.00", PriorityBand.Normal)]
    [InlineData(MessageType.Promotional, "1.00", PriorityBand.Low)]
    [InlineData(MessageType.Promotional, "1.01", PriorityBand.Normal)]
    [InlineData(MessageType.Promotional, "1.49", PriorityBand.Normal)]
    [InlineData(MessageType.Promotional, "1.50", PriorityBand.High)]
    [InlineData(MessageType.Transactional, "1.50", PriorityBand.High)]
    [InlineData(MessageType.Transactional, "1.49", PriorityBand.High)]
    [InlineData(MessageType.Transactional, "1.01", PriorityBand.High)]
    [InlineData(MessageType.Otp, "10", PriorityBand.High)]
    public void BandFollowsTypeAndPriority(MessageType type, string priority, PriorityBand expected)
        => Assert.Equal(expected, PriorityBands.For(type, decimal.Parse(priority, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void HighThresholdIsConfigurable()
    {
        var thresholds = new PriorityBandThresholds(HighThreshold: 3.00m);

        Assert.Equal(PriorityBand.Normal, PriorityBands.For(MessageType.Promotional, 2.00m, thresholds));
        Assert.Equal(PriorityBand.High, PriorityBands.For(MessageType.Promotional, 3.00m, thresholds));
    }

    [Fact]
    public void DefaultHighThresholdIsOneFifty() => Assert.Equal(1.50m, PriorityBandThresholds.Default.HighThreshold);

    [Theory]
    [InlineData(PriorityBand.High, "sms-dispatch-high")]
    [InlineData(PriorityBand.Normal, "sms-dispatch-normal")]
    [InlineData(PriorityBand.Low, "sms-dispatch-low")]
    public void EachBandHasItsQueue(PriorityBand band, string queue) => Assert.Equal(queue, band.QueueName());
}
