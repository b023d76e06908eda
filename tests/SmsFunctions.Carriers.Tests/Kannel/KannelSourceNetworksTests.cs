using System.ComponentModel.DataAnnotations;
using System.Net;
using SmsFunctions.Carriers.Kannel;

namespace SmsFunctions.Carriers.Tests.Kannel;

public sealed class KannelSourceNetworksTests
{
    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.1.255.255", true)]
    [InlineData("10.2.0.1", false)]
    [InlineData("192.0.2.7", true)]
    [InlineData("192.0.2.8", false)]
    [InlineData("::ffff:10.1.0.9", true)] // IPv4 seen on a dual-stack socket
    [InlineData("2001:db8:aa::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("127.0.0.1", false)]
    public void OnlyAddressesInTheListedNetworksAreAllowed(string address, bool allowed)
    {
        var networks = KannelSourceNetworks.Parse(["10.1.0.0/16, 192.0.2.7", "2001:db8::/32"]);

        Assert.Equal(allowed, networks.Allows(IPAddress.Parse(address)));
    }

    [Fact]
    public void NoEntriesAllowAnySourceAndAnUnknownSourceOnlyThen()
    {
        Assert.True(KannelSourceNetworks.Parse([]).Allows(IPAddress.Parse("203.0.113.9")));
        Assert.True(KannelSourceNetworks.Parse(null).Allows(null));
        Assert.True(KannelSourceNetworks.Parse([" ", ""]).AllowsAny);
        Assert.False(KannelSourceNetworks.Parse(["10.0.0.0/8"]).Allows(null));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")] // host bits set: almost certainly a typo for another network
    [InlineData("kannel.example.com")]
    [InlineData("10.0.0.0/8;10.1.0.0/16")]
    public void AnEntryThatIsNeitherACidrNorAnAddressFailsValidation(string entry)
    {
        Assert.False(KannelSourceNetworks.TryParse([entry], out _, out var invalid));
        Assert.NotNull(invalid);

        var options = new KannelCarrierOptions { AllowedSources = [entry] };
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(KannelCarrierOptions.AllowedSources)));
    }
}
