using PhoneNumbers;
using SmsFunctions.Carriers.Sandbox;

namespace SmsFunctions.Carriers.Tests.Sandbox;

public sealed class SandboxNumbersTests
{
    public static TheoryData<string> MagicNumbers => [.. SandboxNumbers.All];

    [Theory]
    [MemberData(nameof(MagicNumbers))]
    public void EveryMagicNumberIsAValidItalianMobileNumber(string number)
    {
        var util = PhoneNumberUtil.GetInstance();
        var parsed = util.Parse(number, null);

        Assert.True(util.IsValidNumber(parsed), $"{number} is not valid");
        Assert.Equal("IT", util.GetRegionCodeForNumber(parsed));
        Assert.Equal(PhoneNumberType.MOBILE, util.GetNumberType(parsed));
        Assert.Equal(number, util.Format(parsed, PhoneNumberFormat.E164));
    }

    [Fact]
    public void MagicNumbersAreDistinct() =>
        Assert.Equal(SandboxNumbers.All.Count, SandboxNumbers.All.Distinct(StringComparer.Ordinal).Count());
}
