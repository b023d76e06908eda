using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>A callback aimed inside our network is refused when the message is submitted, and nothing is charged.</summary>
public sealed class CallbackTargetSubmissionTests(CallbackTargetSubmissionTests.ProductionCallbacksFixture app) : IClassFixture<CallbackTargetSubmissionTests.ProductionCallbacksFixture>
{
    /// <summary>The app as in production: private networks are off (the local sample settings turn them on).</summary>
    public sealed class ProductionCallbacksFixture : SmsAppFixture
    {
        protected override IReadOnlyDictionary<string, string?> Overrides() =>
            new Dictionary<string, string?> { ["Sms:Callbacks:AllowPrivateNetworks"] = "false" };
    }

    [Theory]
    [InlineData("http://127.0.0.1:9999/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://localhost:8080/hook")]
    public async Task InternalCallbackTargetIsRefusedAndNothingIsCharged(string url)
    {
        var customer = await app.CreateCustomerAsync(10m);
        using var client = app.CreateClient(customer.Token);

        using var response = await client.PostAsJsonAsync("/api/messages", new
        {
            sender = "MyCompany", recipient = "+393331234567", message = "Hello",
            callback = new { url, method = "JSON", field = "data" },
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["code"]!.GetValue<string>() == "INVALID_CALLBACK_URL" && e["field"]!.GetValue<string>() == "callback.url");
        Assert.Equal(10m, await customer.CreditAsync());
    }
}
