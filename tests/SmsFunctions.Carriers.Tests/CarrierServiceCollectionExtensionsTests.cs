using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Carriers.Sandbox;
using SmsFunctions.Carriers.Tests.Support;

namespace SmsFunctions.Carriers.Tests;

public sealed class CarrierServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IDeliveryReceiptSink, RecordingReceiptSink>();
        services.AddCarriers(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static readonly Dictionary<string, string?> Kannel = new()
    {
        ["Sms:Carriers:Kannel:SendSmsUrl"] = "http://127.0.0.1:13013/cgi-bin/sendsms",
        ["Sms:Carriers:Kannel:Username"] = "sms",
        ["Sms:Carriers:Kannel:Password"] = "secret",
        ["Sms:Carriers:Kannel:ReceiptSecret"] = "0123456789abcdef0123",
    };

    [Fact]
    public async Task FirstRunHasOnlyTheSandboxAndRoutesToIt()
    {
        await using var provider = Build([]);

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(["Sandbox"], provider.GetServices<ICarrier>().Select(c => c.Name));
        var outcome = await provider.GetRequiredService<CarrierRouter>().RouteAndSubmitAsync(Submissions.To("+393331234567"), "IT", TestContext.Current.CancellationToken);
        Assert.Equal(("Sandbox", true), (outcome.Carrier, outcome.Accepted));
    }

    [Fact]
    public async Task KannelIsRegisteredWhenItsUrlIsSetAndRulesBind()
    {
        await using var provider = Build(new(Kannel)
        {
            ["Sms:Routing:DefaultCarrier"] = "Kannel",
            ["Sms:Routing:Rules:IT:0"] = "Kannel",
            ["Sms:Routing:Rules:IT:1"] = "Sandbox",
            ["Sms:Routing:RetryDelaysMilliseconds:0"] = "100",
            ["Sms:Carriers:Sandbox:ReceiptDelayMilliseconds"] = "10",
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(["Sandbox", "Kannel"], provider.GetServices<ICarrier>().Select(c => c.Name));
        var routing = provider.GetRequiredService<IOptions<RoutingOptions>>().Value;
        Assert.Equal(["Kannel", "Sandbox"], routing.ChainFor("it"));
        Assert.Equal([TimeSpan.FromMilliseconds(100)], routing.RetryDelays);
        Assert.Equal(10, provider.GetRequiredService<IOptions<SandboxCarrierOptions>>().Value.ReceiptDelayMilliseconds);
        Assert.Same(provider.GetRequiredService<SandboxCarrier>(), provider.GetServices<ICarrier>().First());
    }

    [Fact]
    public async Task RoutingToKannelWithoutItsUrlFailsOnStart()
    {
        await using var provider = Build(new() { ["Sms:Routing:Rules:IT:0"] = "Kannel" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("SendSmsUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KannelWithoutAReceiptSecretFailsOnStart()
    {
        await using var provider = Build(new(Kannel) { ["Sms:Carriers:Kannel:ReceiptSecret"] = "short" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("ReceiptSecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiptBaseUrlProviderIsOneSettableSingleton()
    {
        await using var provider = Build([]);

        provider.GetRequiredService<ReceiptBaseUrlProvider>().DefaultReceiptBaseUrl = new Uri("http://127.0.0.1:7071/");

        Assert.Equal(new Uri("http://127.0.0.1:7071/"), provider.GetRequiredService<IReceiptBaseUrlProvider>().DefaultReceiptBaseUrl);
        Assert.NotNull(provider.GetRequiredService<KannelReceiptParser>());
    }
}
