using SmsFunctions.Carriers.Routing;
using SmsFunctions.Carriers.Tests.Support;

namespace SmsFunctions.Carriers.Tests.Routing;

public sealed class RoutingOptionsValidatorTests
{
    private readonly RoutingOptionsValidator _validator = new([new ScriptedCarrier("Sandbox", null), new ScriptedCarrier("Kannel", null)]);

    [Fact]
    public void KnownCarriersPass()
    {
        var options = new RoutingOptions { Rules = new() { ["IT"] = ["Kannel", "Sandbox"], ["*"] = ["sandbox"] }, RetryDelaysMilliseconds = [0, 10] };

        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void UnknownCarrierInARuleFailsAndSaysWhichAreRegistered()
    {
        var result = _validator.Validate(null, new RoutingOptions { Rules = new() { ["IT"] = ["Kanel"] } });

        Assert.True(result.Failed);
        Assert.Contains("'Kanel'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("registered: Kannel, Sandbox", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDefaultCarrierFails() =>
        Assert.True(_validator.Validate(null, new RoutingOptions { DefaultCarrier = "Twilio" }).Failed);

    [Theory]
    [InlineData("ITA")]
    [InlineData("39")]
    public void RuleKeysMustBeCountryCodesOrStar(string key) =>
        Assert.True(_validator.Validate(null, new RoutingOptions { Rules = new() { [key] = ["Sandbox"] } }).Failed);

    [Fact]
    public void NegativeDelaysFail() =>
        Assert.True(_validator.Validate(null, new RoutingOptions { RetryDelaysMilliseconds = [-1] }).Failed);
}
