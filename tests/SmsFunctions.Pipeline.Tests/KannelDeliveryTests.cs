using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Callbacks;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// End to end on the real carrier path: POST /api/messages → dispatch queue on Azurite → Kannel → fakesmsc → Kannel's
/// receipts → recipient DELIVERED → a signed callback at the customer's webhook.
/// </summary>
[Collection(nameof(PipelineCollection))]
public sealed class KannelDeliveryTests(PipelineFixture fixture)
{
    public static TheoryData<string, string, string, int> Bodies => new()
    {
        { "gsm7", "GSM-7", "Your code is 123456. It expires in 5 minutes.", 1 },
        { "ucs2", "UCS-2", "Привет! Ваш код 123456 👋", 1 },
        { "threeparts", "GSM-7", string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 9)).Trim(), 3 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task MessageIsDeliveredThroughKannelAndTheSignedCallbackArrives(string name, string encoding, string body, int parts)
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var number = Numbers.German();
        var hook = fixture.Hook($"{name}-{Guid.NewGuid():N}");
        var id = await customer.SendAsync(new
        {
            sender = "MyCompany",
            recipient = number,
            message = body,
            callback = new { method = "JSON", field = "data", url = hook.ToString(), retry = 3, custom = new { my_custom_id = "42" } },
        }, ct);

        var delivered = (await fixture.Webhooks.WaitForAsync(
            r => r.Path == hook.AbsolutePath && JsonNode.Parse(r.Body)?["data"]?["state"]?.GetValue<string>() == "DELIVERED",
            timeout: TimeSpan.FromSeconds(30), cancellationToken: ct))[0];

        var payload = JsonNode.Parse(delivered.Body)!;
        Assert.Equal(id, payload["data"]!["id"]!.GetValue<string>());
        Assert.Equal(number, payload["data"]!["recipient"]!.GetValue<string>());
        Assert.Equal(encoding, payload["data"]!["encoding"]!.GetValue<string>());
        Assert.Equal(parts, payload["data"]!["messageCount"]!.GetValue<int>());
        Assert.Equal("42", payload["custom"]!["my_custom_id"]!.GetValue<string>());
        Assert.NotNull(payload["data"]!["deliveredAt"]);
        Assert.True(CallbackSigner.Verify(customer.WebhookSecret, delivered.Headers[CallbackSigner.HeaderName], Encoding.UTF8.GetBytes(delivered.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
            "The callback's X-Sms-Signature does not verify with the account's webhook secret.");
        Assert.False(CallbackSigner.Verify("another-secret", delivered.Headers[CallbackSigner.HeaderName], Encoding.UTF8.GetBytes(delivered.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        // What reached the SMSC is what was asked for: the right parts, the right text, once.
        var smsc = fixture.Kannel.SmscMessages.Where(m => m.To.EndsWith(number.TrimStart('+'), StringComparison.Ordinal)).ToList();
        Assert.Equal(parts, smsc.Count);
        Assert.Equal(body, string.Concat(smsc.Select(m => m.Text)));

        var message = await customer.GetAsync(id, ct);
        Assert.Equal("DELIVERED", message["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task BulkMessageOfThousandsIsDeliveredOnceToEveryRecipient()
    {
        var ct = TestContext.Current.CancellationToken;
        const int count = 2_000;
        var customer = await fixture.Gateway.CreateCustomerAsync(credit: 100_000m, ct);
        var numbers = Enumerable.Range(0, count).Select(_ => Numbers.German()).ToList();
        var sender = "Bulk" + Random.Shared.Next(1000, 9999);
        var id = await customer.SendAsync(new
        {
            sender,
            recipients = numbers.Select((n, i) => new { number = n, fields = new Dictionary<string, string> { ["name"] = "Guest" + i } }),
            body = "Hello {{name}}, your parcel is on its way.",
        }, ct);

        var started = DateTime.UtcNow;
        IReadOnlyList<SmsFunctions.Testing.Kannel.SmscMessage> reached;
        try
        {
            reached = await fixture.Kannel.WaitForSmscAsync(m => m.From == sender, count, TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            var states = new Dictionary<string, int>();
            var store = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Storage.Messages.RecipientStore>();
            await foreach (var r in store.QueryAsync(id, cancellationToken: ct))
            {
                var key = r.State + " " + r.ErrorCode + " " + r.ErrorDetail;
                states[key] = states.GetValueOrDefault(key) + 1;
            }

            Assert.Fail($"Only {fixture.Kannel.SmscMessages.Count(m => m.From == sender)} of {count} reached the SMSC in {(DateTime.UtcNow - started).TotalSeconds:0} s; recipients: "
                + string.Join("; ", states.Select(kv => $"{kv.Key} × {kv.Value}")));
            throw;
        }

        TestContext.Current.SendDiagnosticMessage($"{count} recipients reached the SMSC in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.Equal(count, reached.Select(m => m.To).Distinct().Count());
        Assert.Contains(reached, m => m.Text.StartsWith("Hello Guest", StringComparison.Ordinal));

        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonObject message;
        do
        {
            message = await customer.GetAsync(id, ct);
            if (message["state"]!.GetValue<string>() == "DELIVERED") { break; }
            await Task.Delay(500, ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal("DELIVERED", message["state"]!.GetValue<string>());
        Assert.Equal(count, fixture.Kannel.SmscMessages.Count(m => m.From == sender)); // None submitted twice.
    }
}
