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

    public static string Encode(string id, string body, string? correlationId)
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
            writer.WriteString("body", body);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Unwraps an envelope. Anything else is returned whole as the body, with a null id.</summary>
    public static (string? Id, string Body, string? CorrelationId) Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return (null, text, null);
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            string? id = null, body = null, cid = null;
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
                    default:
                        return (null, text, null); // some other JSON document: not ours
                }
            }
            return id is not null && body is not null ? (id, body, cid) : (null, text, null);
        }
        catch (JsonException)
        {
            return (null, text, null);
        }
    }
}
