using System.Text.Json.Nodes;
using SmsFunctions.App.Callbacks;
using SmsFunctions.Carriers.Sandbox;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// One message view: a webhook posts the API's message object as its recipient sees it. Every member of
/// <c>GET /messages/{id}</c> is in the webhook with the same JSON value, except the recipient's own, which are the values
/// of <c>GET /messages/{id}/recipients/{number}</c>; callback header values are redacted in both.
/// </summary>
[Collection(nameof(PipelineCollection))]
public sealed class WebhookMessageViewTests(PipelineFixture fixture)
{
    private const string Secret = "Bearer customer-secret-4711";

    /// <summary>The webhook's members that are its recipient's, and their names in the API's recipient view.</summary>
    private static readonly Dictionary<string, string> RecipientOwn = new(StringComparer.Ordinal)
    {
        ["state"] = "state",
        ["recipient"] = "number",
        ["countryCode"] = "countryCode",
        ["messageCount"] = "parts",
        ["price"] = "price",
        ["updatedAt"] = "updatedAt",
        ["sentAt"] = "sentAt",
        ["deliveredAt"] = "deliveredAt",
    };

    /// <summary>Members only a recipient's view has: in every webhook (null when none), never in the message's answer.</summary>
    private static readonly string[] RecipientMembers = ["carrier", "errorCode", "errorDetail", "outcomeUnknown", "refund", "refundedAt"];

    [Theory]
    [InlineData("+393331112301", "DELIVERED")]
    [InlineData(SandboxNumbers.Undelivered, "UNDELIVERED")]
    public async Task TheWebhookIsTheApisMessageAsItsRecipientSeesIt(string number, string state)
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = new[] { new { number, fields = new Dictionary<string, string> { ["nome"] = "Simone" } } },
            body = "Ciao {{nome}}, il tuo ordine è partito",
            callback = new
            {
                url = hook.ToString(), method = "JSON", field = "data",
                headers = new Dictionary<string, string> { ["Authorization"] = Secret },
                custom = new { order = 42 },
            },
        }, ct);

        var request = (await fixture.Webhooks.WaitForAsync(
            r => r.Path == hook.AbsolutePath && JsonNode.Parse(r.Body)?["data"]?["state"]?.GetValue<string>() == state,
            timeout: TimeSpan.FromSeconds(30), cancellationToken: ct))[0];
        var webhook = JsonNode.Parse(request.Body)!["data"]!.AsObject();
        var recipient = await customer.WaitForRecipientStateAsync(id, number, state, cancellationToken: ct);
        var message = await customer.GetAsync(id, ct);

        // The body as the recipient got it (the dispatcher's renderer); the API answers the template.
        Assert.Equal("Ciao Simone, il tuo ordine è partito", webhook["message"]!.GetValue<string>());
        Assert.Equal("Ciao {{nome}}, il tuo ordine è partito", message["message"]!.GetValue<string>());
        foreach (var (name, value) in message)
        {
            // recipientStates are counted on read; a webhook has them only when the message row keeps them.
            if (name is "message" or "recipientStates")
            {
                continue;
            }

            Assert.True(webhook.ContainsKey(name), $"The webhook has no '{name}': {webhook.ToJsonString()}");
            var expected = RecipientOwn.TryGetValue(name, out var own) ? recipient[own] : value;
            Assert.True(JsonNode.DeepEquals(expected, webhook[name]), $"'{name}': the webhook has {webhook[name]?.ToJsonString() ?? "null"}, the API {expected?.ToJsonString() ?? "null"}");
        }

        foreach (var name in RecipientMembers)
        {
            Assert.False(message.ContainsKey(name), $"The message's answer has the recipient member '{name}'");
            Assert.True(webhook.ContainsKey(name), $"The webhook has no '{name}': {webhook.ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(recipient[name], webhook[name]), $"'{name}': the webhook has {webhook[name]?.ToJsonString() ?? "null"}, the recipient {recipient[name]?.ToJsonString() ?? "null"}");
        }

        Assert.Equal("Sandbox", webhook["carrier"]!.GetValue<string>());
        Assert.Equal(state == "DELIVERED" ? null : SandboxNumbers.UndeliveredErrorCode, webhook["errorCode"]?.GetValue<string>());

        // The header goes to the receiver; its value is shown back nowhere, and both views show the callback alike.
        Assert.Equal(Secret, request.Headers["Authorization"]);
        foreach (var view in new[] { webhook, message })
        {
            Assert.Equal(CallbackHeaders.RedactedValue, view["callback"]!["headers"]!["Authorization"]!.GetValue<string>());
            Assert.DoesNotContain("customer-secret", view.ToJsonString(), StringComparison.Ordinal);
        }

        Assert.Equal(42, JsonNode.Parse(request.Body)!["custom"]!["order"]!.GetValue<int>());
    }
}
