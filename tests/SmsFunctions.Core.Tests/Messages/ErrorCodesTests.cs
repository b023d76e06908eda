using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Tests.Messages;

public class ErrorCodesTests
{
    [Fact]
    public void CodesAreDistinctUpperSnakeCase()
    {
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ErrorCodes.All, code => Assert.Matches("^[A-Z]+(_[A-Z]+)*$", code));
    }

    [Fact]
    public void AllListsEveryPublicConstant()
    {
        var constants = typeof(ErrorCodes).GetFields()
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(constants.Order(StringComparer.Ordinal), ErrorCodes.All.Order(StringComparer.Ordinal));
    }
}
