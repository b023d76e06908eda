using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SmsFunctions.App.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Set by the Bicep to the app's Application Insights resource; it only locates it, the managed identity
    /// is what authorizes the export (the resource has local authentication off).</summary>
    public const string ApplicationInsightsConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Traces and metrics for every stage: to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
    /// is set (authenticated with the app's <see cref="TokenCredential"/>, the managed identity in Azure), over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, to the console when <c>Sms:Telemetry:Console</c> is true.</summary>
    public static WebApplicationBuilder AddSmsTelemetry(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.GetValue("Sms:Telemetry:Console", false);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var applicationInsights = builder.Configuration[ApplicationInsightsConnectionStringKey];
        var azureMonitor = !string.IsNullOrWhiteSpace(applicationInsights);
        if (!console && !otlp && !azureMonitor)
        {
            // Nothing would read them: without an exporter the SDK still samples, records and tags an activity for
            // every request in and out (about fifteen per SMS) and aggregates every measurement. The gateway's own
            // ActivitySource and Meter stay available to any listener.
            return builder;
        }

        if (azureMonitor)
        {
            // The same credential as storage and Service Bus: DefaultAzureCredential picks the user-assigned identity
            // through AZURE_CLIENT_ID, which the Bicep grants Monitoring Metrics Publisher on the resource.
            builder.Services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
            builder.Services.AddOptions<AzureMonitorExporterOptions>().Configure<TokenCredential>((options, credential) =>
            {
                options.ConnectionString = applicationInsights;
                options.Credential = credential;
            });
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(SmsTelemetry.Name))
            .WithTracing(tracing =>
            {
                tracing.AddSource(SmsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (console) { tracing.AddConsoleExporter(); }
                if (otlp) { tracing.AddOtlpExporter(); }
                if (azureMonitor) { tracing.AddAzureMonitorTraceExporter(); }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SmsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (console) { metrics.AddConsoleExporter(); }
                if (otlp) { metrics.AddOtlpExporter(); }
                if (azureMonitor) { metrics.AddAzureMonitorMetricExporter(); }
            });
        return builder;
    }
}
