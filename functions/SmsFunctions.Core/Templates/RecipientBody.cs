using System.Text.Json.Nodes;
using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Core.Templates;

/// <summary>
/// The one body renderer: what a recipient's SMS says, given the message's template body, the recipient's fields and
/// the smart-encoding option. The planner prices and checks with it, dispatch sends with it, and webhooks show it, so
/// the three never disagree.
/// </summary>
public static class RecipientBody
{
    /// <summary>Renders <paramref name="template"/> with <paramref name="fields"/>, smart-encoded when asked.
    /// False (and the missing field's name) when a placeholder has no value.</summary>
    public static bool TryRender(
        BodyTemplate template, IReadOnlyDictionary<string, string>? fields, bool smartEncoding,
        out string text, out string? missing, out IReadOnlyList<SmartReplacement> replacements)
    {
        ArgumentNullException.ThrowIfNull(template);
        replacements = [];
        missing = null;
        var body = template.Body;
        if (template.HasPlaceholders)
        {
            if (!template.TryRender(fields, out var rendered, out var absent))
            {
                text = template.Body;
                missing = absent;
                return false;
            }

            body = rendered;
        }

        if (smartEncoding)
        {
            var encoded = SmartEncoder.Apply(body);
            replacements = encoded.Replacements;
            body = encoded.Text;
        }

        text = body;
        return true;
    }

    /// <summary>Renders <paramref name="template"/> for a stored recipient, whose fields are kept as JSON
    /// (<paramref name="fieldsJson"/>, read only when the template has placeholders): what dispatch sends and what the
    /// recipient's webhook shows.</summary>
    public static bool TryRender(BodyTemplate template, string? fieldsJson, bool smartEncoding, out string text, out string? missing)
    {
        ArgumentNullException.ThrowIfNull(template);
        var fields = template.HasPlaceholders ? FieldsFromJson(fieldsJson) : null;
        return TryRender(template, fields, smartEncoding, out text, out missing, out _);
    }

    /// <summary>A recipient's stored fields (a JSON object) as the renderer takes them: strings as they are,
    /// anything else as its JSON text. Null when there are none.</summary>
    private static Dictionary<string, string>? FieldsFromJson(string? json)
    {
        if (string.IsNullOrEmpty(json) || JsonNode.Parse(json) is not JsonObject obj)
        {
            return null;
        }

        return obj.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value?.ToJsonString() ?? string.Empty, StringComparer.Ordinal);
    }
}
