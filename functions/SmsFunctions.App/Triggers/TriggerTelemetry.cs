using System.Diagnostics;
using System.Diagnostics.Metrics;
using SmsFunctions.App.Telemetry;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>Invocation metrics and traces of the trigger runtime, on <see cref="SmsTelemetry"/>'s meter and source.</summary>
public static class TriggerTelemetry
{
    public const string InvocationsName = "sms.trigger.invocations";
    public const string DurationName = "sms.trigger.duration";
    public const string QueueLagName = "sms.queue.lag";
    public const string DeadLetteredName = "sms.queue.dead_lettered";
    public const string DeadLettersName = "sms.queue.dead_letters";

    private static readonly Counter<long> Invocations = SmsTelemetry.Meter.CreateCounter<long>(
        InvocationsName, "{invocation}", "Function invocations by function, trigger source and outcome.");

    private static readonly Histogram<double> Duration = SmsTelemetry.Meter.CreateHistogram<double>(
        DurationName, "s", "How long a function invocation took.");

    private static readonly Histogram<double> QueueLag = SmsTelemetry.Meter.CreateHistogram<double>(
        QueueLagName, "s", "Time from enqueue to the start of handling, per queue.");

    private static readonly Counter<long> DeadLettered = SmsTelemetry.Meter.CreateCounter<long>(
        DeadLetteredName, "{message}", "Messages given up on and recorded as dead letters, per queue and function.");

    private static readonly Lock DeadLetterGate = new();
    private static Dictionary<(string Queue, string Source), long> _deadLetters = [];

    // Observed from the last counts read (DeadLetterMonitor refreshes them); no storage call in the callback.
    private static readonly ObservableGauge<long> DeadLetters = SmsTelemetry.Meter.CreateObservableGauge(
        DeadLettersName,
        () =>
        {
            lock (DeadLetterGate)
            {
                return _deadLetters.Select(e => new Measurement<long>(e.Value,
                    new KeyValuePair<string, object?>("queue", e.Key.Queue), new KeyValuePair<string, object?>("source", e.Key.Source))).ToList();
            }
        },
        "{message}",
        "Dead-lettered messages waiting per queue and source (poison: given up on by the app; servicebus-dlq: dead-lettered by the broker).");

    internal static void RecordDeadLettered(string queueName, string functionName) =>
        DeadLettered.Add(1, new KeyValuePair<string, object?>("queue", queueName), new KeyValuePair<string, object?>("function", functionName));

    internal static void SetDeadLetterCount(string queueName, string source, int? count)
    {
        lock (DeadLetterGate)
        {
            var next = new Dictionary<(string, string), long>(_deadLetters);
            if (count is { } known) { next[(queueName, source)] = known; } else { next.Remove((queueName, source)); }
            _deadLetters = next;
        }
    }

    internal static void RecordQueueLag(ReceivedQueueMessage message, DateTimeOffset now)
    {
        if (message.EnqueuedAt is { } enqueuedAt)
        {
            QueueLag.Record(Math.Max(0, (now - enqueuedAt).TotalSeconds), new KeyValuePair<string, object?>("queue", message.QueueName));
        }
    }

    internal static void RecordInvocation(string functionName, string source, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "function", functionName },
            { "source", source },
            { "outcome", outcome },
        };
        Invocations.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>A consumer span for one message; when the sender put a W3C <c>traceparent</c> in the correlation id the
    /// span continues that trace, so one message is one trace across the queue hops.</summary>
    internal static Activity? StartQueueActivity(QueueFunction function, ReceivedQueueMessage message, string source)
    {
        ActivityContext parent = default;
        if (message.CorrelationId is { } correlationId)
        {
            _ = ActivityContext.TryParse(correlationId, traceState: null, out parent);
        }
        var activity = SmsTelemetry.ActivitySource.StartActivity(function.FunctionName, ActivityKind.Consumer, parent);
        activity?.SetTag("faas.trigger", "pubsub");
        activity?.SetTag("faas.invoked_by", source);
        activity?.SetTag("messaging.destination.name", message.QueueName);
        activity?.SetTag("messaging.message.id", message.Id);
        activity?.SetTag("messaging.message.delivery_count", message.DeliveryCount);
        if (message.CorrelationId is not null)
        {
            activity?.SetTag("messaging.message.conversation_id", message.CorrelationId);
        }
        return activity;
    }

    internal static Activity? StartTimerActivity(TimerFunction function, TimerTick tick, string source)
    {
        var activity = SmsTelemetry.ActivitySource.StartActivity(function.FunctionName, ActivityKind.Internal);
        activity?.SetTag("faas.trigger", "timer");
        activity?.SetTag("faas.invoked_by", source);
        activity?.SetTag("faas.cron", function.Schedule);
        activity?.SetTag("sms.timer.past_due", tick.IsPastDue);
        return activity;
    }
}
