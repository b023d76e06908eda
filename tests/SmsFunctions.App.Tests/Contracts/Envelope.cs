using System.Net;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Contracts;

/// <summary>Reads an answer and checks the seed-003 envelope as the "Gateway SMS 1.0.0" document's response schemas state it.</summary>
internal static class Envelope
{
    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(TestCancellation.Token);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} (expected {(int)status}) from {response.RequestMessage?.RequestUri}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>success boolean true, message the text given, credit a string (a decimal number), error null; returns data.</summary>
    public static JsonNode Success(JsonObject body, string message, bool hasCredit = true)
    {
        Assert.Equal(System.Text.Json.JsonValueKind.True, JsonValueKindOf(body["success"]));
        Assert.Equal(message, String(body["message"]));
        Assert.True(body.ContainsKey("error"), "no error member");
        Assert.Null(body["error"]);
        if (hasCredit)
        {
            var credit = String(body["credit"]);
            Assert.True(decimal.TryParse(credit, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _), $"credit '{credit}' is not a number");
        }

        Assert.True(body.ContainsKey("data"), "no data member");
        return body["data"]!;
    }

    public static JsonArray Array(JsonNode? node)
    {
        Assert.True(node is JsonArray, $"expected an array, got {node?.ToJsonString() ?? "null"}");
        return (JsonArray)node!;
    }

    public static JsonObject Object(JsonNode? node)
    {
        Assert.True(node is JsonObject, $"expected an object, got {node?.ToJsonString() ?? "null"}");
        return (JsonObject)node!;
    }

    public static string String(JsonNode? node)
    {
        Assert.True(JsonValueKindOf(node) == System.Text.Json.JsonValueKind.String, $"expected a string, got {node?.ToJsonString() ?? "null"}");
        return node!.GetValue<string>();
    }

    public static System.Text.Json.JsonValueKind JsonValueKindOf(JsonNode? node) => node?.GetValueKind() ?? System.Text.Json.JsonValueKind.Null;

    /// <summary>One date format everywhere: UTC, Z, milliseconds.</summary>
    public static void Timestamp(JsonNode? node, string name)
    {
        var text = String(node);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", text);
        Assert.True(DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out _), $"{name} '{text}' does not parse");
    }
}
