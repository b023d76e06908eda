using System.Text.Json.Nodes;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>A callback's extra headers: the customer's own are kept and sent, their values never shown back.</summary>
[Collection(ApiCollection.Name)]
public sealed class CallbackHeadersTests(SmsAppFixture app)
{
    [Theory]
    [InlineData("Authorization", "Bearer abc")]
    [InlineData("X-Tenant", "acme\tone")]
    [InlineData("x-api-key", "k")]
    public void CustomerHeadersAreAllowed(string name, string value) => Assert.Null(CallbackHeaders.Problem(name, value));

    [Theory]
    [InlineData("Host", "x")]
    [InlineData("Content-Length", "1")]
    [InlineData("Transfer-Encoding", "chunked")]
    [InlineData("Connection", "close")]
    [InlineData("Proxy-Authorization", "x")]
    [InlineData("x-sms-anything", "x")]
    [InlineData("X-Forwarded-For", "10.0.0.1")]
    [InlineData("X-Tenant", "a\nb")]
    [InlineData("X-Tenant", "a\rb")]
    [InlineData("X-Tenant", "a\0b")]
    [InlineData("X:Tenant", "a")]
    [InlineData("", "a")]
    public void FramingRoutingOwnAndMalformedHeadersAreRefused(string name, string value) => Assert.NotNull(CallbackHeaders.Problem(name, value));

    [Fact]
    public async Task HeaderValuesAreRedactedInTheMessageViewsAndTheNamesKept()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var sent = await customer.SendOkAsync(new
        {
            sender = "MyCompany", recipient = "+393331234567", message = "Hello",
            callback = new { url = "https://example.com/hook", headers = new Dictionary<string, string> { ["Authorization"] = "Bearer customer-secret" } },
        });

        var read = await customer.GetMessageAsync(sent["id"]!.GetValue<string>());

        foreach (var view in new[] { sent, read })
        {
            Assert.Equal(CallbackHeaders.RedactedValue, view["callback"]!["headers"]!["Authorization"]!.GetValue<string>());
            Assert.DoesNotContain("customer-secret", view.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheWebhookViewShowsHeaderNamesOnly()
    {
        var message = new MessageEntity
        {
            RowKey = "m1",
            CallbackJson = """{"url":"https://example.com/hook","method":"JSON","headers":{"Authorization":"Bearer customer-secret"},"retry":3}""",
        };

        var view = ApiJson.ToNode(MessageViews.ForRecipient(message, null, "DELIVERED"));

        Assert.Equal(CallbackHeaders.RedactedValue, view["callback"]!["headers"]!["Authorization"]!.GetValue<string>());
        Assert.DoesNotContain("customer-secret", view.ToJsonString(), StringComparison.Ordinal);
    }
}
