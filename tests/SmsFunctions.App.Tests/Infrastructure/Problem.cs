using System.Net;
using System.Text.Json.Nodes;

namespace SmsFunctions.App.Tests.Infrastructure;

/// <summary>A problem-details answer, read for assertions.</summary>
public sealed record Problem(HttpStatusCode Status, JsonObject Body, string Text)
{
    public string? Code => Body["code"]?.GetValue<string>();

    public string? Field => Body["field"]?.GetValue<string>();

    /// <summary>Every (code, field) in <c>errors</c>, plus the top-level one.</summary>
    public IReadOnlyList<(string Code, string Field)> Errors
    {
        get
        {
            var list = new List<(string, string)>();
            if (Body["errors"] is JsonArray errors)
            {
                list.AddRange(errors.Select(e => (e!["code"]!.GetValue<string>(), e["field"]?.GetValue<string>() ?? string.Empty)));
            }

            if (Code is not null)
            {
                list.Add((Code, Field ?? string.Empty));
            }

            return list;
        }
    }

    public static async Task<Problem> ReadAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        var node = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) as JsonObject ?? new JsonObject();
        return new Problem(response.StatusCode, node, text);
    }
}
