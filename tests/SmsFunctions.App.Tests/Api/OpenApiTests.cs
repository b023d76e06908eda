using System.Net;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class OpenApiTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task TheDocumentDescribesEveryEndpointWithBothSeedExamples()
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/openapi/v1.json", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/api/messages", "/api/messages/{id}", "/api/messages/{id}/recipients", "/api/messages/{id}/recipients/{number}", "/api/tokens", "/api/accounts", "/api/admin/forbidden-terms" })
        {
            Assert.True(paths.ContainsKey(path), $"missing {path}");
        }

        var examples = document["paths"]!["/api/messages"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!;
        Assert.Equal("+393331234567", examples["seed002"]!["value"]!["recipient"]!.GetValue<string>());
        Assert.Equal("+39-3331234567", examples["seed003"]!["value"]!["recipients"]!.GetValue<string>());
        Assert.NotNull(document["components"]!["securitySchemes"]!["bearerAuth"]);
    }

    [Fact]
    public async Task TheReferencePageIsServed()
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/docs", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
