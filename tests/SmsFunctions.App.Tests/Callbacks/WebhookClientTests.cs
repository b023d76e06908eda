using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>The webhook client connects itself, so the connect-time address check always runs.</summary>
[Collection(ApiCollection.Name)]
public sealed class WebhookClientTests(SmsAppFixture app)
{
    [Fact]
    public void TheWebhookClientUsesNoProxyAndFollowsNoRedirect()
    {
        HttpMessageHandler? handler = app.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(nameof(CallbackThrower));
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        var sockets = Assert.IsType<SocketsHttpHandler>(handler);
        Assert.False(sockets.UseProxy);
        Assert.False(sockets.AllowAutoRedirect);
        Assert.NotNull(sockets.ConnectCallback);
    }
}
