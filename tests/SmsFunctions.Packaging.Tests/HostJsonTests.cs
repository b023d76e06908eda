using System.Text.Json.Nodes;

namespace SmsFunctions.Packaging.Tests;

[Collection(DeploymentPackageCollection.Name)]
public sealed class HostJsonTests(DeploymentPackage package)
{
    private JsonNode Host => JsonNode.Parse(package.ReadText("host.json"))!;

    [Fact]
    public void IsAVersionTwoCustomHandlerThatForwardsHttpRequests()
    {
        Assert.Equal("2.0", Host["version"]?.GetValue<string>());
        Assert.True(Host["customHandler"]?["enableForwardingHttpRequest"]?.GetValue<bool>());
    }

    [Fact]
    public void ServesTheApiUnderTheApiRoutePrefix()
    {
        Assert.Equal("api", Host["extensions"]?["http"]?["routePrefix"]?.GetValue<string>());
    }

    [Fact]
    public void UsesTheVersionFourExtensionBundle()
    {
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", Host["extensionBundle"]?["id"]?.GetValue<string>());
        Assert.Equal("[4.*, 5.0.0)", Host["extensionBundle"]?["version"]?.GetValue<string>());
    }

    [Fact]
    public void CompletesServiceBusMessagesWhenTheHandlerSucceeds()
    {
        var serviceBus = Host["extensions"]?["serviceBus"];
        Assert.True(serviceBus?["autoCompleteMessages"]?.GetValue<bool>());
        Assert.Equal(16, serviceBus?["maxConcurrentCalls"]?.GetValue<int>());
        Assert.Equal(TimeSpan.FromMinutes(5), TimeSpan.Parse(serviceBus?["maxAutoLockRenewalDuration"]?.GetValue<string>()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheCustomHandlerServicesNotesAboutEmptyOutputsAndReturnValueAreFilteredOut()
    {
        // For a function without output bindings the host is answered { "Outputs": {}, "ReturnValue": null }, which
        // hosts before 4.16 (azure-functions-host#8874) logged as two warnings per invocation, from this category
        // only; it logs nothing else above Information.
        Assert.Equal("Error", Host["logging"]?["logLevel"]?["Microsoft.Azure.WebJobs.Script.Workers.Http.DefaultHttpWorkerService"]?.GetValue<string>());
    }
}
