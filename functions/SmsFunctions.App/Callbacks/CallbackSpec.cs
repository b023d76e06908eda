using System.Text.Json.Nodes;

namespace SmsFunctions.App.Callbacks;

/// <summary>The customer's <c>callback</c> object of a message (seed 002): where and how to deliver state changes.</summary>
public sealed record CallbackSpec(
    Uri Url,
    CallbackMethod Method,
    string Field,
    IReadOnlyDictionary<string, string> Headers,
    JsonNode? Custom,
    int Retry)
{
    /// <summary>Reads the stored callback JSON leniently; null when there is no usable callback.</summary>
    public static CallbackSpec? FromJson(JsonNode? node, int defaultRetries = 3, int maxRetries = 10)
    {
        if (node is not JsonObject obj || obj["url"]?.GetValue<string>() is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var method = string.Equals(obj["method"]?.ToString(), "POST", StringComparison.OrdinalIgnoreCase) ? CallbackMethod.Post : CallbackMethod.Json;
        var field = obj["field"]?.ToString() is { Length: > 0 } f ? f : "data";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (obj["headers"] is JsonObject h)
        {
            foreach (var (name, value) in h)
            {
                if (value is not null) { headers[name] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString(); }
            }
        }

        var retry = obj["retry"] is JsonValue r && r.TryGetValue<int>(out var n) ? n : defaultRetries;
        return new CallbackSpec(uri, method, field, headers, obj["custom"]?.DeepClone(), Math.Clamp(retry, 0, maxRetries));
    }
}

public enum CallbackMethod
{
    /// <summary><c>application/json</c>: <c>{ "&lt;field&gt;": message, "custom": … }</c>.</summary>
    Json,

    /// <summary>A form post: <c>&lt;field&gt;</c> holds the message JSON, <c>custom</c> the custom JSON.</summary>
    Post,
}
