using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The body of one dispatch queue message: a batch of work items, each naming a message and, for bulk fan-out, the
/// chunk of its recipients to send. Several small messages share one queue message and a 100,000-recipient
/// message becomes a few hundred chunk messages — queue operations are the scarce resource.
/// </summary>
public sealed record DispatchWork(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("items")] IReadOnlyList<DispatchItem> Items)
{
    public string ToJson() => JsonSerializer.Serialize(this, PipelineJson.Options);

    public static DispatchWork Parse(string json) =>
        JsonSerializer.Deserialize<DispatchWork>(json, PipelineJson.Options) is { Items.Count: > 0 } work
            ? work
            : throw new FormatException("A dispatch message must carry at least one item.");
}

/// <param name="AccountId">Owner of the message.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Recipients">E.164 numbers of this chunk; null means every recipient of the message.</param>
/// <param name="Chunk">Chunk index for bulk fan-out (also part of the queue message id, for duplicate detection).</param>
public sealed record DispatchItem(
    [property: JsonPropertyName("a")] string AccountId,
    [property: JsonPropertyName("m")] string MessageId,
    [property: JsonPropertyName("r")] IReadOnlyList<string>? Recipients = null,
    [property: JsonPropertyName("c")] int Chunk = 0);

internal static class PipelineJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
