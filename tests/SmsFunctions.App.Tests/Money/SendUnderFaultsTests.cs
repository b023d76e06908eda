using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Tables;
using Fault = SmsFunctions.App.Tests.Money.StorageFaultPolicy.Fault;

namespace SmsFunctions.App.Tests.Money;

/// <summary>
/// Sends through the API while the process that took them "dies" after charging (its message write never comes
/// back): a second instance on the same storage finishes or settles them, and nothing is charged twice or kept
/// without a message.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SendUnderFaultsTests(SmsAppFixture app)
{
    private static readonly string[] OneNumber = ["+393331234567"];

    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task ASendWhoseFirstAttemptDiedAfterChargingIsResumedByItsRetryAndChargedOnce()
    {
        var customer = await app.CreateCustomerAsync(1m);
        using var faults = new StorageFaultPolicy();
        faults.Add(SmsTables.MessagesName, Fault.Hang); // the first attempt charges, then never stores its message
        var settings = new Dictionary<string, string?> { ["Sms:Idempotency:PendingTimeout"] = "00:00:10" };
        await using var dying = await StartAsync(settings, faults);
        await using var survivor = await StartAsync(settings, null);
        var body = new { sender = "alberto", body = "resume me", recipients = OneNumber };

        using (var first = Client(dying, customer.Token, TimeSpan.FromSeconds(3)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostAsync(first, body, "resume-key-1"));
        }

        Assert.Equal(1, faults.Held);
        Assert.Equal(0.95m, await customer.CreditAsync()); // charged by the attempt that died

        using var retry = Client(survivor, customer.Token, TimeSpan.FromSeconds(30));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(40);
        JsonObject? accepted = null;
        while (accepted is null && DateTimeOffset.UtcNow < deadline)
        {
            using var response = await PostAsync(retry, body, "resume-key-1");
            var text = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                accepted = JsonNode.Parse(text)!["data"]!.AsArray().Single()!.AsObject();
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Conflict && text.Contains("IDEMPOTENCY_IN_PROGRESS", StringComparison.Ordinal), $"{(int)response.StatusCode}: {text}");
                await Task.Delay(500, Ct);
            }
        }

        Assert.NotNull(accepted);
        var id = accepted["id"]!.GetValue<string>();
        Assert.Equal(0.95m, await customer.CreditAsync()); // not charged again
        Assert.Equal("QUEUED", (await customer.GetMessageAsync(id))["state"]!.GetValue<string>());
        var ledger = await app.Services.GetRequiredService<CreditLedger>().ListAsync(customer.AccountId, 100, Ct);
        Assert.Single(ledger, l => l.Kind == LedgerKinds.Charge && l.MessageId == id);
        Assert.Equal(0.95m, ledger.Sum(l => TableValues.ParseMoney(l.Amount)));

        // The first attempt's held write goes through at last: it is the same message, not a second (unpaid) one.
        faults.Dispose();
        await Task.Delay(1500, Ct);
        Assert.Equal(1, await customer.MessageCountAsync());
        Assert.Equal(0.95m, await customer.CreditAsync());
    }

    [Fact]
    public async Task ASendWhoseProcessDiedAfterChargingAndNeverCameBackIsRefundedByTheOrphanCheck()
    {
        var customer = await app.CreateCustomerAsync(1m);
        using var faults = new StorageFaultPolicy();
        faults.Add(SmsTables.MessagesName, Fault.Hang);
        var settings = new Dictionary<string, string?> { ["Sms:Pipeline:OrphanGraceSeconds"] = "1" };
        await using var dying = await StartAsync(settings, faults);
        await using var survivor = await StartAsync(settings, null);

        using (var client = Client(dying, customer.Token, TimeSpan.FromSeconds(3)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostAsync(client, new { sender = "alberto", body = "orphan", recipients = OneNumber }, null));
        }

        Assert.Equal(1, faults.Held);
        Assert.Equal(0.95m, await customer.CreditAsync());

        // The outbox row was written before the charge; after the orphan grace it finds no message.
        await Task.Delay(1500, Ct);
        await survivor.Services.GetRequiredService<ScheduledDispatch>().MoveDueAsync(DateTimeOffset.UtcNow.AddMinutes(1), 1000, Ct);
        Assert.Equal(1.00m, await customer.CreditAsync());

        // The dying process comes back to life and stores its message after all: the tombstone refuses it, and the
        // refund is not paid twice.
        faults.Dispose();
        await Task.Delay(1000, Ct);
        var ledger = await app.Services.GetRequiredService<CreditLedger>().ListAsync(customer.AccountId, 100, Ct);
        Assert.Equal(1.00m, await customer.CreditAsync());
        Assert.Single(ledger, l => l.Kind == LedgerKinds.Charge);
        Assert.Single(ledger, l => l.Kind == LedgerKinds.Refund);
        var messageId = ledger.Single(l => l.Kind == LedgerKinds.Refund).MessageId!;
        using var gone = await customer.Client.GetAsync(new Uri($"/api/messages/{messageId}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // never accepted: a tombstone, no one's message
        var tombstone = await app.Services.GetRequiredService<SmsFunctions.Storage.Messages.MessageStore>().GetIncludingAbandonedAsync(customer.AccountId, messageId, Ct);
        Assert.NotNull(tombstone?.AbandonedAt);
    }

    [Fact]
    public async Task AStorageOutageAnswers503WithRetryAfterAndTheRetryFinishesTheSendChargedOnce()
    {
        // The message write fails (the storage service is unreachable) after the send was charged: the client is told
        // to retry (503 STORAGE_UNAVAILABLE, Retry-After), not that something broke (500), and its retry with the same
        // key finishes that send instead of charging a second one.
        var customer = await app.CreateCustomerAsync(1m);
        using var faults = new StorageFaultPolicy();
        faults.Add(SmsTables.MessagesName, Fault.FailBeforeSend, times: 1000);
        await using var instance = await StartAsync(new Dictionary<string, string?>(), faults);
        using var client = Client(instance, customer.Token, TimeSpan.FromSeconds(60));
        var body = new { sender = "alberto", body = "outage", recipients = OneNumber };

        using (var refused = await PostAsync(client, body, "outage-key-1"))
        {
            var text = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("STORAGE_UNAVAILABLE", JsonNode.Parse(text)!["code"]!.GetValue<string>());
            Assert.True(refused.Headers.RetryAfter is not null, text);
        }

        Assert.True(faults.Injected > 0);
        faults.Clear();
        using var accepted = await PostAsync(client, body, "outage-key-1");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(1, await customer.MessageCountAsync());
        Assert.Equal(0.95m, await customer.CreditAsync());
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(body) };
        if (key is not null) { request.Headers.Add("Idempotency-Key", key); }
        return client.SendAsync(request, Ct);
    }

    private static HttpClient Client(WebApplication instance, string token, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = new Uri(instance.Urls.First()), Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Another instance of the app on the fixture's storage and tables (another process, as far as storage
    /// can tell), its table client passing <paramref name="faults"/>.</summary>
    private async Task<WebApplication> StartAsync(IReadOnlyDictionary<string, string?> extra, StorageFaultPolicy? faults)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = app.Azurite.ConnectionString,
            ["Sms:Storage:TablePrefix"] = app.TablePrefix,
            ["Sms:AdminApiKey"] = SmsAppFixture.AdminKey,
            ["Sms:Runtime:LocalTriggers"] = "false",
            ["Sms:Routing:DefaultCarrier"] = "Sandbox",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra) { settings[key] = value; }
        var builder = SmsFunctionsApp.CreateBuilder(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            if (faults is not null)
            {
                var options = new TableClientOptions();
                options.Retry.MaxRetries = 3;
                options.AddPolicy(faults, HttpPipelinePosition.PerRetry);
                b.Services.AddSingleton(new TableServiceClient(app.Azurite.ConnectionString, options));
            }
        });
        var instance = SmsFunctionsApp.Build(builder);
        await instance.StartAsync(Ct);
        return instance;
    }
}
