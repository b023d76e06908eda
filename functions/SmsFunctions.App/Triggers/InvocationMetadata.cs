using System.Globalization;
using System.Text.Json;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// The <c>Metadata</c> of a host invocation, read the way the host really writes it: string values JSON-quoted
/// (<c>"\"abc\""</c>), numbers as strings, dates without milliseconds or zone (UTC), null keys left out. When the
/// trigger value was JSON text, the host merged the body's top-level properties into Metadata over same-named keys; such
/// a key whose value equals the body's is not trusted (it may be the body's, not the transport's).
/// </summary>
internal sealed class InvocationMetadata
{
    private readonly JsonElement _metadata;
    private readonly JsonElement? _mergedBody;

    public InvocationMetadata(JsonElement metadata, JsonElement? mergedBody)
    {
        _metadata = metadata;
        _mergedBody = mergedBody is { ValueKind: JsonValueKind.Object } body ? body : null;
    }

    public bool Has(string key) => GetString(key) is not null;

    public string? GetString(string key)
    {
        if (_metadata.ValueKind != JsonValueKind.Object || !TryGetProperty(_metadata, key, out var value))
        {
            return null;
        }
        var text = Normalize(value);
        if (text is null)
        {
            return null;
        }
        if (_mergedBody is { } body && TryGetProperty(body, key, out var bodyValue) && string.Equals(Normalize(bodyValue), text, StringComparison.Ordinal))
        {
            return null;
        }
        return text;
    }

    /// <summary>A number inside an object-valued key (<c>ApplicationProperties</c> arrives as a JSON object, the host
    /// serializing the dictionary with <c>JObject.FromObject</c>); a JSON-quoted or stringified value is tolerated.
    /// Never taken from the merged body.</summary>
    public long? GetNestedInt64(string key, string property)
    {
        if (_metadata.ValueKind != JsonValueKind.Object || !TryGetProperty(_metadata, key, out var value))
        {
            return null;
        }
        JsonDocument? parsed = null;
        try
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                var text = Unquote(value.GetString()!);
                if (!text.AsSpan().TrimStart().StartsWith("{"))
                {
                    return null;
                }
                parsed = JsonDocument.Parse(text);
                value = parsed.RootElement;
            }
            if (value.ValueKind != JsonValueKind.Object || !TryGetProperty(value, property, out var inner))
            {
                return null;
            }
            return inner.ValueKind switch
            {
                JsonValueKind.Number when inner.TryGetInt64(out var number) => number,
                JsonValueKind.String when long.TryParse(Unquote(inner.GetString()!), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            parsed?.Dispose();
        }
    }

    public int? GetInt32(string key) =>
        int.TryParse(GetString(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public DateTimeOffset? GetDateTime(string key) => ParseDate(GetString(key));

    /// <summary>Host dates: ISO 8601, usually without zone (meaning UTC); the default <c>0001-01-01</c> means none.</summary>
    public static DateTimeOffset? ParseDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var value))
        {
            return null;
        }
        return value.UtcDateTime.Year <= 1 ? null : value.ToUniversalTime();
    }

    /// <summary>Properties are matched case-insensitively, as the host's binding data is.</summary>
    public static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty(name, out value))
            {
                return true;
            }
            foreach (var property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    return true;
                }
            }
        }
        value = default;
        return false;
    }

    /// <summary>A value as plain text: quoted strings unquoted, numbers and booleans as written, null as null.</summary>
    public static string? Normalize(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Unquote(value.GetString()!),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    /// <summary><c>"abc"</c> (with the quotes, JSON escapes inside) becomes <c>abc</c>; anything else is unchanged.</summary>
    public static string Unquote(string text)
    {
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.GetString() ?? text;
            }
            catch (JsonException)
            {
                return text[1..^1];
            }
        }
        return text;
    }
}
