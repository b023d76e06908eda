using System.Text;
using System.Text.Json;
using SmsFunctions.Queues;
using SmsFunctions.Queues.StorageQueues;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// Turns the body of a host invocation, <c>{ "Data": { "&lt;binding&gt;": value }, "Metadata": { … } }</c>, into what
/// the handlers take. A queue trigger value may be a base64 string (<c>dataType: binary</c>), a string JSON-encoded twice
/// (a JSON string whose content is the JSON text), JSON text once, or an object; all decode to the same body text.
/// Transport facts (id, delivery count, lock token, enqueue time) come only from Metadata — Service Bus names first
/// (<c>MessageId, DeliveryCount, LockToken, EnqueuedTimeUtc</c>), then Storage Queue names
/// (<c>Id, DequeueCount, PopReceipt, InsertionTime</c>). The delivery count adds the deliveries a re-sent message
/// had before (<see cref="QueueMessageProperties.PriorDeliveries"/> in <c>ApplicationProperties</c>, or the envelope's
/// <c>n</c>), so retries re-sent with a delay still reach the poison rule.
/// </summary>
internal static class InvocationDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ReceivedQueueMessage DecodeQueueMessage(JsonElement invocation, QueueFunction function, string? invocationId)
    {
        ArgumentNullException.ThrowIfNull(function);
        var value = GetTriggerValue(invocation, function.BindingName);
        var (body, mayHaveMerged) = DecodeBody(value);
        using var bodyDocument = mayHaveMerged ? TryParseObject(body) : null;
        var metadata = new InvocationMetadata(GetMetadata(invocation), bodyDocument?.RootElement);

        string? envelopeId = null, envelopeCorrelationId = null;
        var priorDeliveries = 0;
        var isStorageQueue = !metadata.Has("DeliveryCount") && !metadata.Has("LockToken") && (metadata.Has("DequeueCount") || metadata.Has("PopReceipt"));
        if (isStorageQueue)
        {
            // Our Storage Queues adapter wraps id and correlation id around the body; unwrap it the same way.
            var envelope = QueueMessageEnvelope.DecodeEnvelope(body);
            if (envelope.Id is not null)
            {
                (envelopeId, body, envelopeCorrelationId, priorDeliveries) = (envelope.Id, envelope.Body, envelope.CorrelationId, envelope.PriorDeliveries);
            }
        }
        else
        {
            // A message re-sent after a failure carries the deliveries it already had (Service Bus counts from 1 again).
            var prior = metadata.GetNestedInt64("ApplicationProperties", QueueMessageProperties.PriorDeliveries)
                ?? metadata.GetNestedInt64("UserProperties", QueueMessageProperties.PriorDeliveries);
            priorDeliveries = prior is { } p ? QueueMessageProperties.NormalizePriorDeliveries(p) : 0;
        }

        var deliveryCount = (metadata.GetInt32("DeliveryCount") ?? metadata.GetInt32("DequeueCount") ?? 1) + priorDeliveries;
        return new ReceivedQueueMessage(
            function.QueueName,
            envelopeId ?? metadata.GetString("MessageId") ?? metadata.GetString("Id") ?? invocationId ?? Guid.NewGuid().ToString("N"),
            body,
            Math.Max(1, deliveryCount),
            metadata.GetString("LockToken") ?? metadata.GetString("PopReceipt") ?? string.Empty,
            metadata.GetDateTime("EnqueuedTimeUtc") ?? metadata.GetDateTime("InsertionTime"),
            envelopeCorrelationId ?? metadata.GetString("CorrelationId"));
    }

    /// <summary><c>Data.timer = { "Schedule": {…}, "ScheduleStatus": {"Last","Next","LastUpdated"} | null, "IsPastDue": bool }</c>;
    /// ScheduleStatus may be null or missing.</summary>
    public static TimerTick DecodeTimerTick(JsonElement invocation, TimerFunction function, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(function);
        var value = GetTriggerValue(invocation, function.BindingName);
        // Normally an object; tolerate it arriving as JSON text, once or twice encoded.
        using var parsed = value.ValueKind == JsonValueKind.String ? ParseJsonText(value.GetString()!) : null;
        using var parsedTwice = parsed?.RootElement.ValueKind == JsonValueKind.String ? ParseJsonText(parsed.RootElement.GetString()!) : null;
        var timer = parsedTwice?.RootElement ?? parsed?.RootElement ?? value;
        if (timer.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException($"The timer binding '{function.BindingName}' is not an object.");
        }

        var isPastDue = InvocationMetadata.TryGetProperty(timer, "IsPastDue", out var pastDue) && pastDue.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => bool.TryParse(InvocationMetadata.Unquote(pastDue.GetString()!), out var flag) && flag,
            _ => false,
        };
        DateTimeOffset? last = null;
        if (InvocationMetadata.TryGetProperty(timer, "ScheduleStatus", out var status) && status.ValueKind == JsonValueKind.Object
            && InvocationMetadata.TryGetProperty(status, "Last", out var lastValue))
        {
            last = InvocationMetadata.ParseDate(InvocationMetadata.Normalize(lastValue));
        }
        return new TimerTick(now, isPastDue, last);
    }

    private static JsonElement GetTriggerValue(JsonElement invocation, string bindingName)
    {
        if (invocation.ValueKind != JsonValueKind.Object
            || !InvocationMetadata.TryGetProperty(invocation, "Data", out var data)
            || data.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException("The invocation has no 'Data' object.");
        }
        if (InvocationMetadata.TryGetProperty(data, bindingName, out var value))
        {
            return value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
                ? throw new InvalidInvocationException($"The binding '{bindingName}' is null.")
                : value;
        }
        // A binding named differently in function.json: with a single entry there is no doubt which one it is.
        using var entries = data.EnumerateObject();
        var only = entries.Take(2).ToList();
        return only.Count == 1 && only[0].Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? only[0].Value
            : throw new InvalidInvocationException($"The invocation's Data has no binding '{bindingName}'.");
    }

    private static JsonElement GetMetadata(JsonElement invocation) =>
        InvocationMetadata.TryGetProperty(invocation, "Metadata", out var metadata) ? metadata : default;

    /// <summary>The body text, and whether the host may have merged its properties into Metadata (it does for JSON
    /// values, not for base64 binary).</summary>
    private static (string Body, bool MayHaveMerged) DecodeBody(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
            case JsonValueKind.Array:
                return (value.GetRawText(), true);
            case JsonValueKind.String:
                var text = value.GetString()!;
                var start = text.AsSpan().TrimStart();
                if (start.StartsWith("\""))
                {
                    // Encoded twice: the string's content is a JSON string holding the body.
                    using var inner = ParseJsonText(text);
                    return inner?.RootElement.ValueKind == JsonValueKind.String
                        ? (inner.RootElement.GetString()!, true)
                        : throw new InvalidInvocationException("The trigger value looks double-encoded but is not a JSON string.");
                }
                if (start.StartsWith("{") || start.StartsWith("["))
                {
                    return (text, true);
                }
                return TryDecodeBase64Utf8(text, out var decoded) ? (decoded, false) : (text, false);
            default:
                return (value.GetRawText(), false);
        }
    }

    private static bool TryDecodeBase64Utf8(string text, out string decoded)
    {
        decoded = string.Empty;
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var length))
        {
            return false;
        }
        var bytes = buffer.AsSpan(0, length);
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }
        try
        {
            decoded = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static JsonDocument? ParseJsonText(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonDocument? TryParseObject(string text)
    {
        var document = text.AsSpan().TrimStart().StartsWith("{") ? ParseJsonText(text) : null;
        if (document is { RootElement.ValueKind: not JsonValueKind.Object })
        {
            document.Dispose();
            return null;
        }
        return document;
    }
}
