using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>
/// Checks a JSON answer against a schema of a published OpenAPI 3.1 document: <c>$ref</c>, <c>type</c> (one or several),
/// <c>properties</c>, <c>required</c>, <c>items</c>, <c>additionalProperties</c>, <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c>. Strict
/// where JSON Schema is not: a member the schema does not describe is a mismatch (unless it allows additional
/// properties), so a field added to an answer without its schema fails.
/// </summary>
internal sealed class OpenApiSchema(JsonObject document)
{
    private JsonObject Components => document["components"]?["schemas"]?.AsObject() ?? [];

    /// <summary>The schema of an answer: path, method, status and media type as the document lists them.</summary>
    public JsonNode ResponseSchema(string path, string method, int status, string mediaType)
    {
        var operation = document["paths"]?[path]?[method.ToLowerInvariant()]
            ?? throw new InvalidOperationException($"the document has no {method} {path}");
        var response = operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            ?? throw new InvalidOperationException($"{method} {path} documents no {status} answer");
        return response["content"]?[mediaType]?["schema"]
            ?? throw new InvalidOperationException($"{method} {path} {status} has no {mediaType} schema: {response.ToJsonString()}");
    }

    /// <summary>The schema of a webhook's body: its name, method and media type as the document's <c>webhooks</c> list them.</summary>
    public JsonNode WebhookSchema(string name, string method, string mediaType)
    {
        var operation = document["webhooks"]?[name]?[method.ToLowerInvariant()]
            ?? throw new InvalidOperationException($"the document has no {method} webhook {name}");
        return operation["requestBody"]?["content"]?[mediaType]?["schema"]
            ?? throw new InvalidOperationException($"the webhook {name} has no {mediaType} body schema: {operation.ToJsonString()}");
    }

    public IReadOnlyList<string> Validate(JsonNode? value, JsonNode schema)
    {
        var errors = new List<string>();
        Check(value, schema, "$", errors, 0);
        return errors;
    }

    private void Check(JsonNode? value, JsonNode schema, string at, List<string> errors, int depth)
    {
        if (depth > 40)
        {
            return;
        }

        if (schema["$ref"] is JsonValue reference)
        {
            var name = reference.GetValue<string>().Split('/')[^1];
            Check(value, Components[name] ?? throw new InvalidOperationException($"no schema {name}"), at, errors, depth + 1);
            return;
        }

        if (schema is JsonValue flag)
        {
            if (!flag.GetValue<bool>())
            {
                errors.Add($"{at}: the schema allows nothing here");
            }

            return;
        }

        foreach (var key in new[] { "oneOf", "anyOf" })
        {
            if (schema[key] is JsonArray alternatives)
            {
                if (!alternatives.Any(a => Validate(value, a!).Count == 0))
                {
                    errors.Add($"{at}: matches none of {key}");
                }

                return;
            }
        }

        if (schema["allOf"] is JsonArray all)
        {
            foreach (var part in all)
            {
                Check(value, part!, at, errors, depth + 1);
            }
        }

        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        string[]? types = schema["type"] switch
        {
            JsonValue one => [one.GetValue<string>()],
            JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
            _ => null,
        };
        if (types is not null && !types.Any(t => Is(t, kind, value)))
        {
            errors.Add($"{at}: {kind} where the schema has {string.Join('|', types)}");
            return;
        }

        if (kind == JsonValueKind.String && schema["pattern"] is JsonValue pattern
            && !System.Text.RegularExpressions.Regex.IsMatch(value!.GetValue<string>(), pattern.GetValue<string>()))
        {
            errors.Add($"{at}: '{value}' does not match {pattern}");
        }

        if (value is JsonObject obj)
        {
            var properties = schema["properties"] as JsonObject;
            foreach (var required in schema["required"] as JsonArray ?? [])
            {
                if (!obj.ContainsKey(required!.GetValue<string>()))
                {
                    errors.Add($"{at}: no {required}");
                }
            }

            foreach (var (name, child) in obj)
            {
                if (properties?[name] is { } property)
                {
                    Check(child, property, $"{at}.{name}", errors, depth + 1);
                }
                else if (schema["additionalProperties"] is { } additional)
                {
                    Check(child, additional, $"{at}.{name}", errors, depth + 1);
                }
                else if (properties is not null)
                {
                    errors.Add($"{at}.{name}: sent but not in the schema");
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], items, $"{at}[{i}]", errors, depth + 1);
            }
        }
    }

    private static bool Is(string type, JsonValueKind kind, JsonNode? value) => type switch
    {
        "null" => kind == JsonValueKind.Null,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "number" => kind == JsonValueKind.Number,
        "integer" => kind == JsonValueKind.Number && value!.GetValue<JsonElement>().TryGetInt64(out _),
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        _ => false,
    };
}
