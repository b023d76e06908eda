using System.Diagnostics.Metrics;
using SmsFunctions.App.Telemetry;

namespace SmsFunctions.App.Pipeline;

/// <summary>Counters and histograms of every stage, on the <c>SmsFunctions</c> meter.</summary>
public static class PipelineMetrics
{
    public static readonly Counter<long> Queued = SmsTelemetry.Meter.CreateCounter<long>("sms.recipients.queued", description: "Recipients handed to a dispatch queue");
    public static readonly Counter<long> Dispatched = SmsTelemetry.Meter.CreateCounter<long>("sms.recipients.dispatched", description: "Recipients submitted to a carrier, by outcome");
    public static readonly Counter<long> StateChanges = SmsTelemetry.Meter.CreateCounter<long>("sms.recipients.state_changes", description: "Recipient state changes, by state");
    public static readonly Counter<long> ReceiptsRefused = SmsTelemetry.Meter.CreateCounter<long>("sms.receipts.refused", description: "Carrier receipts not applied because they name another submission attempt than the recipient's latest, by carrier");
    public static readonly Counter<long> CallbackAttempts = SmsTelemetry.Meter.CreateCounter<long>("sms.callbacks.attempts", description: "Webhook delivery attempts, by outcome");
    public static readonly Counter<long> Refunds = SmsTelemetry.Meter.CreateCounter<long>("sms.recipients.refunds", description: "Recipients refunded because they certainly never reached a carrier");
    public static readonly Histogram<double> CarrierLatency = SmsTelemetry.Meter.CreateHistogram<double>("sms.carrier.latency", "ms", "Carrier submit latency");
    public static readonly Histogram<double> CallbackLatency = SmsTelemetry.Meter.CreateHistogram<double>("sms.callbacks.latency", "ms", "Webhook delivery latency");
}
