using System.Net;
using System.Net.Http.Json;
using SmsFunctions.App.Tests.Api;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>An account's inboundCallback aimed inside our network is refused like a message's callback, and not stored.</summary>
public sealed class InboundCallbackTargetTests(CallbackTargetSubmissionTests.ProductionCallbacksFixture app)
    : IClassFixture<CallbackTargetSubmissionTests.ProductionCallbacksFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1:9999/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://10.1.2.3/hook")]
    public async Task InternalInboundCallbackTargetIsRefusedAndNotStored(string url)
    {
        var customer = await app.CreateCustomerAsync(10m, TwoWayApiTests.TwoWayScopes);
        using var put = await customer.Client.PutAsJsonAsync("/api/account", new { inboundCallback = new { url, method = "JSON" } }, TestCancellation.Token);
        var problem = await Problem.ReadAsync(put);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, problem.Status);
        Assert.Equal("INVALID_CALLBACK_URL", problem.Code);
        Assert.Equal("inboundCallback.url", problem.Field);

        using var get = await customer.Client.GetAsync(new Uri("/api/account", UriKind.Relative), TestCancellation.Token);
        Assert.Null((await SmsAppFixture.DataAsync(get))["inboundCallback"]);
    }
}
