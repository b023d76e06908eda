using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmsFunctions.Queues.StorageQueues;

/// <summary>
/// The text stored in an Azure Storage queue message: <c>{"id":"…","cid":"…","body":"…"}</c>. Storage Queues assign
/// their own message ids and have no correlation id, so ours travel inside the message. A text that is not an
/// envelope (written by something else) decodes as a body with no id of ours.
/// </summary>
public static class QueueMessageEnvelope
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep non-ASCII as UTF-8 instead of \uXXXX: the 64 KB message limit is tight enough already.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Encode(string id, string body, string? correlationId) => Encode(id, body, correlationId, 0, null);

    /// <summary>The envelope with the optional fields: <c>n</c>, deliveries before a re-send, and <c>why</c>, the
    /// reason a message was dead-lettered (in a <c>-poison</c> queue).</summary>
    public static string Encode(string id, string body, string? correlationId, int priorDeliveries, string? reason)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream(body.Length + id.Length + 32);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            if (correlationId is not null)
            {
                writer.WriteString("cid", correlationId);
            }
            if (priorDeliveries > 0)
            {
                writer.WriteNumber("n", priorDeliveries);
            }
            if (reason is not null)
            {
                writer.WriteString("why", reason);
            }
            writer.WriteString("body", body);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Unwraps an envelope. Anything else is returned whole as the body, with a null id.</summary>
    public static (string? Id, string Body, string? CorrelationId) Decode(string text)
    {
        var envelope = DecodeEnvelope(text);
        return (envelope.Id, envelope.Body, envelope.CorrelationId);
    }

    /// <summary>Unwraps an envelope with all its fields. Anything else is returned whole as the body, with a null id.</summary>
    public static Envelope DecodeEnvelope(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var notOurs = new Envelope(null, text, null, 0, null);
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return notOurs;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            string? id = null, body = null, cid = null, why = null;
            var prior = 0;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "id" when property.Value.ValueKind == JsonValueKind.String:
                        id = property.Value.GetString();
                        break;
                    case "body" when property.Value.ValueKind == JsonValueKind.String:
                        body = property.Value.GetString();
                        break;
                    case "cid" when property.Value.ValueKind is JsonValueKind.String:
                        cid = property.Value.GetString();
                        break;
                    case "cid" when property.Value.ValueKind is JsonValueKind.Null:
                        break;
                    case "n" when property.Value.ValueKind is JsonValueKind.Number && property.Value.TryGetInt64(out var n):
                        prior = QueueMessageProperties.NormalizePriorDeliveries(n);
                        break;
                    case "why" when property.Value.ValueKind is JsonValueKind.String:
                        why = property.Value.GetString();
                        break;
                    default:
                        return notOurs; // some other JSON document: not ours
                }
            }
            return id is not null && body is not null ? new Envelope(id, body, cid, prior, why) : notOurs;
        }
        catch (JsonException)
        {
            return notOurs;
        }
    }

    /// <summary>A decoded envelope; <see cref="Id"/> is null when the text was not one of ours.</summary>
    public sealed record Envelope(string? Id, string Body, string? CorrelationId, int PriorDeliveries, string? Reason);
}
