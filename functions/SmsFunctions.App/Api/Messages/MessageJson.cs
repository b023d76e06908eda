using System.Text.Json;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.App.Api.Messages;

/// <summary>How options, callbacks, fields and counts are stored as JSON on table rows.</summary>
public static class MessageJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>At most this many invalid recipients are kept on the message row (a row property holds 64 KiB).</summary>
    public const int MaxStoredInvalidRecipients = 100;

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string? json) => string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);

    public static string? InvalidRecipients(IReadOnlyList<InvalidRecipient> invalid)
        => invalid.Count == 0 ? null : Serialize(invalid.Take(MaxStoredInvalidRecipients).Select(i => new InvalidRecipientView(Clip(i.Input), i.Code, i.Reason)).ToList());

    public static Dictionary<string, int> Counts(RecipientStateCounts counts)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var state in Enum.GetValues<RecipientState>())
        {
            if (counts[state] > 0)
            {
                map[state.ToApiName()] = counts[state];
            }
        }

        return map;
    }

    public static RecipientStateCounts Counts(IReadOnlyDictionary<string, int> byName)
    {
        ArgumentNullException.ThrowIfNull(byName);
        var counts = default(RecipientStateCounts);
        foreach (var (name, count) in byName)
        {
            if (LifecycleApiNames.TryParseApiName(name, out RecipientState state))
            {
                counts = counts.Add(state, count);
            }
        }

        return counts;
    }

    private static string Clip(string input) => input.Length <= 64 ? input : input[..64] + "…";
}
