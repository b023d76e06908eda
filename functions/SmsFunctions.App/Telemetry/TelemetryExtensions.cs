using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SmsFunctions.App.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Traces and metrics for every stage; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, console when
    /// <c>Sms:Telemetry:Console</c> is true.</summary>
    public static WebApplicationBuilder AddSmsTelemetry(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.GetValue("Sms:Telemetry:Console", false);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!console && !otlp)
        {
            // Nothing would read them: without an exporter the SDK still samples, records and tags an activity for
            // every request in and out (about fifteen per SMS) and aggregates every measurement. The gateway's own
            // ActivitySource and Meter stay available to any listener.
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(SmsTelemetry.Name))
            .WithTracing(tracing =>
            {
                tracing.AddSource(SmsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (console) { tracing.AddConsoleExporter(); }
                if (otlp) { tracing.AddOtlpExporter(); }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SmsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (console) { metrics.AddConsoleExporter(); }
                if (otlp) { metrics.AddOtlpExporter(); }
            });
        return builder;
    }
}
