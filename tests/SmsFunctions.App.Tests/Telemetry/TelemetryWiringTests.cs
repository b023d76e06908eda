using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SmsFunctions.App.Telemetry;

namespace SmsFunctions.App.Tests.Telemetry;

/// <summary>Which exporters the app wires from its settings, checked on the service collection and the options the
/// Azure Monitor exporter is built from (no telemetry leaves the machine).</summary>
public sealed class TelemetryWiringTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

    private static WebApplicationBuilder Builder(TokenCredential credential, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddSingleton(credential);
        return builder.AddSmsTelemetry();
    }

    private static bool Registers<T>(WebApplicationBuilder builder) => builder.Services.Any(d => d.ServiceType == typeof(T));

    [Fact]
    public async Task WithAnApplicationInsightsConnectionStringTracesAndMetricsGoToAzureMonitorWithTheAppsCredential()
    {
        var credential = new StaticTokenCredential();
        var builder = Builder(credential, (TelemetryExtensions.ApplicationInsightsConnectionStringKey, ConnectionString));
        await using var app = builder.Build();

        Assert.True(Registers<TracerProvider>(builder));
        Assert.True(Registers<MeterProvider>(builder));
        var options = app.Services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue;
        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.Same(credential, options.Credential);
    }

    [Fact]
    public async Task WithoutAnyExporterSettingNoTelemetrySdkIsStarted()
    {
        var builder = Builder(new StaticTokenCredential());
        await using var app = builder.Build();

        Assert.False(Registers<TracerProvider>(builder));
        Assert.False(Registers<MeterProvider>(builder));
        var options = app.Services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue;
        Assert.Null(options.Credential);
    }

    [Fact]
    public async Task TheConsoleExporterAloneDoesNotConfigureAzureMonitor()
    {
        var builder = Builder(new StaticTokenCredential(), ("Sms:Telemetry:Console", "true"));
        await using var app = builder.Build();

        Assert.True(Registers<TracerProvider>(builder));
        Assert.Null(app.Services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue.Credential);
    }

    private sealed class StaticTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("fake", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
