using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Pricing;

namespace SmsFunctions.Core.Tests.Pricing;

public class PriorityTests
{
    [Theory]
    [InlineData("1.00")]
    [InlineData("1")]
    [InlineData("1.5")]
    [InlineData("2.25")]
    [InlineData("10.00")]
    public void PrioritiesFromOneToTenWithTwoDecimalsAreValid(string value)
        => Assert.Null(Priority.Validate(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("0.99", ErrorCodes.PriorityTooLow)]
    [InlineData("0", ErrorCodes.PriorityTooLow)]
    [InlineData("-1", ErrorCodes.PriorityTooLow)]
    [InlineData("10.01", ErrorCodes.PriorityTooHigh)]
    [InlineData("1.005", ErrorCodes.PriorityTooPrecise)]
    public void OutOfRangeOrTooPrecisePrioritiesAreRejected(string value, string code)
    {
        var error = Priority.Validate(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Equal("priority", error.Field);
    }

    [Fact]
    public void TrailingZeroDecimalsAreNotTooPrecise() => Assert.Null(Priority.Validate(1.2000m));
}
