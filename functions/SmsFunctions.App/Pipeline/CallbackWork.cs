using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmsFunctions.App.Pipeline;

/// <summary>The body of one callbacks queue message: state changes to report to customers' webhooks.</summary>
public sealed record CallbackWork(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("events")] IReadOnlyList<CallbackEvent> Events)
{
    public string ToJson() => JsonSerializer.Serialize(this, PipelineJson.Options);

    public static CallbackWork Parse(string json) =>
        JsonSerializer.Deserialize<CallbackWork>(json, PipelineJson.Options) is { Events.Count: > 0 } work
            ? work
            : throw new FormatException("A callback message must carry at least one event.");
}

/// <param name="State">The recipient state being reported (API name, e.g. DELIVERED).</param>
/// <param name="Attempt">1 for the first delivery attempt; re-sends carry the next number.</param>
/// <param name="Replay">Raised again for a state that was already stored (a repeated receipt, a redelivered dispatch
/// message), because a process may have died between storing the state and queuing its callback. Delivered only if
/// no attempt for that state is on record, so a replay never duplicates a callback that did go out.</param>
/// <param name="Kind">What the event reports: null for a recipient's state, <see cref="InboundKind"/> for an inbound message.</param>
/// <param name="Deferrals">Times this attempt was put back because its host was busy (<c>CallbackHostSlots</c>).</param>
public sealed record CallbackEvent(
    [property: JsonPropertyName("a")] string AccountId,
    [property: JsonPropertyName("m")] string MessageId,
    [property: JsonPropertyName("r")] string Recipient,
    [property: JsonPropertyName("s")] string State,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("n")] int Attempt = 1,
    [property: JsonPropertyName("rp")] bool Replay = false,
    [property: JsonPropertyName("k")] string? Kind = null,
    [property: JsonPropertyName("d")] int Deferrals = 0)
{
    /// <summary>The <see cref="Kind"/> of an inbound message's webhook (<see cref="MessageId"/> is the inbound id,
    /// <see cref="Recipient"/> its sender); null for a message's delivery report.</summary>
    public const string InboundKind = "mo";

    /// <summary>Stable id of this event's delivery attempt, for queue duplicate detection (a deferral is a new send of
    /// the same attempt, so it gets its own id and is not dropped as a duplicate of the message it came in).</summary>
    [JsonIgnore]
    public string Id => Deferrals == 0
        ? $"cb-{MessageId}-{Recipient.TrimStart('+')}-{State}-{Attempt}"
        : $"cb-{MessageId}-{Recipient.TrimStart('+')}-{State}-{Attempt}~d{Deferrals}";
}
