using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Telemetry;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers;

public sealed class TriggerTelemetryTests
{
    [Fact]
    public async Task EachInvocationRecordsQueueLagCountAndDuration()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SmsTelemetry.Name && instrument.Name.StartsWith("sms.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Tags(tags))));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Tags(tags))));
        listener.Start();

        await using var harness = LocalRuntimeHarness.Create();
        var marker = $"lag-{Guid.NewGuid():N}";
        harness.Script.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromSeconds(1), marker));
        harness.Queues.Enqueue(QueueNames.DispatchLow, marker, enqueuedAt: DateTimeOffset.UtcNow.AddMinutes(-10));
        await harness.StartAsync();
        await harness.NextSettlementAsync();
        await harness.StopAsync();

        Assert.Contains(measurements, m => m.Instrument == TriggerTelemetry.QueueLagName && (string?)m.Tags["queue"] == QueueNames.DispatchLow && m.Value >= 600);
        Assert.Contains(measurements, m => m.Instrument == TriggerTelemetry.InvocationsName
            && (string?)m.Tags["function"] == "DispatchLow" && (string?)m.Tags["outcome"] == "retry" && (string?)m.Tags["source"] == "local");
        Assert.Contains(measurements, m => m.Instrument == TriggerTelemetry.DurationName && (string?)m.Tags["function"] == "DispatchLow");
    }

    [Fact]
    public async Task AMessageGivenUpOnCountsAsDeadLettered()
    {
        var measurements = new ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SmsTelemetry.Name && instrument.Name == TriggerTelemetry.DeadLetteredName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) => measurements.Enqueue((v, Tags(tags))));
        listener.Start();

        await using var harness = LocalRuntimeHarness.Create();
        var marker = $"dead-{Guid.NewGuid():N}";
        harness.Queues.Enqueue(QueueNames.DispatchNormal, marker, deliveryCount: 9);
        await harness.StartAsync();
        await harness.NextSettlementAsync();
        await harness.StopAsync();

        Assert.Single(harness.Queues.DeadLettered);
        Assert.Contains(measurements, m => m.Value == 1 && (string?)m.Tags["queue"] == QueueNames.DispatchNormal && (string?)m.Tags["function"] == "DispatchNormal");
    }

    private static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            result[key] = value;
        }
        return result;
    }
}
