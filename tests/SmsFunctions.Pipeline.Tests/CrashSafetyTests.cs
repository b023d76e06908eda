using SmsFunctions.Storage.Messages;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.Testing;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// A gateway stopped at the worst moments loses nothing and sends nothing twice: after a restart every accepted
/// recipient reaches a terminal state, and the SMSC saw each recipient exactly once. Own Azurite and Kannel, so no
/// other gateway drains these queues.
/// </summary>
[Collection(nameof(CrashCollection))]
public sealed class CrashSafetyTests(CrashFixture fixture)
{
    private Dictionary<string, string?> Settings(bool triggers, bool enqueueOnAccept = true, Uri? receiptBase = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = fixture.Azurite.ConnectionString,
            ["Sms:Storage:TablePrefix"] = fixture.TablePrefix,
            ["Sms:Routing:DefaultCarrier"] = "Kannel",
            ["Sms:Carriers:Kannel:SendSmsUrl"] = fixture.Kannel.SendSmsUrl.ToString(),
            ["Sms:Carriers:Kannel:Username"] = fixture.Kannel.Username,
            ["Sms:Carriers:Kannel:Password"] = fixture.Kannel.Password,
            ["Sms:Carriers:Kannel:ReceiptSecret"] = PipelineFixture.ReceiptSecret,
            ["Sms:Runtime:LocalTriggers"] = triggers ? "true" : "false",
            ["Sms:Pipeline:EnqueueOnAccept"] = enqueueOnAccept ? "true" : "false",
        };
        if (receiptBase is not null) { settings["Sms:Carriers:Kannel:ReceiptBaseUrl"] = receiptBase.ToString(); }
        return settings;
    }

    [Fact]
    public async Task StoppedBetweenAcceptAndDispatchEveryRecipientIsSentExactlyOnceAfterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        var sent = new List<(string Id, string Number)>();
        Customer customer;

        // Queued but never consumed: the gateway stops with work on the dispatch queue.
        await using (var a = await GatewayHost.StartAsync(Settings(triggers: false), cancellationToken: ct))
        {
            customer = await a.CreateCustomerAsync(cancellationToken: ct);
            for (var i = 0; i < 5; i++)
            {
                var number = Numbers.German();
                sent.Add((await customer.SendAsync(new { sender = "CrashA", recipient = number, message = "Queued before the crash" }, ct), number));
            }
        }

        // Accepted and stored, but the queue send never happened: only the Schedule (outbox) row remembers them.
        await using (var a2 = await GatewayHost.StartAsync(Settings(triggers: false, enqueueOnAccept: false), cancellationToken: ct))
        {
            var again = customer with { Client = Reuse(customer.Client, a2.BaseUrl) };
            for (var i = 0; i < 5; i++)
            {
                var number = Numbers.German();
                sent.Add((await again.SendAsync(new { sender = "CrashA", recipient = number, message = "Outbox only" }, ct), number));
            }
        }

        Assert.DoesNotContain(fixture.Kannel.SmscMessages, m => sent.Any(s => m.To.EndsWith(s.Number.TrimStart('+'), StringComparison.Ordinal)));

        await using var b = await GatewayHost.StartAsync(Settings(triggers: true), cancellationToken: ct);
        var restarted = customer with { Client = Reuse(customer.Client, b.BaseUrl) };
        foreach (var (id, number) in sent)
        {
            await restarted.WaitForRecipientStateAsync(id, number, "DELIVERED", TimeSpan.FromSeconds(60), ct);
        }

        foreach (var (_, number) in sent)
        {
            Assert.Single(fixture.Kannel.SmscMessages, m => m.To.EndsWith(number.TrimStart('+'), StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task StoppedBetweenSubmitAndReceiptTheReceiptsStillLandAfterRestartAndNothingIsResent()
    {
        var ct = TestContext.Current.CancellationToken;
        var receiptPort = FreePort();
        var receiptBase = new Uri($"http://127.0.0.1:{receiptPort}");
        var sent = new List<(string Id, string Number)>();
        Customer customer;

        // A submits to Kannel, but Kannel's receipts go to B's address, where nothing listens until A is gone.
        await using (var a = await GatewayHost.StartAsync(Settings(triggers: true, receiptBase: receiptBase), cancellationToken: ct))
        {
            customer = await a.CreateCustomerAsync(cancellationToken: ct);
            for (var i = 0; i < 5; i++)
            {
                var number = Numbers.German();
                sent.Add((await customer.SendAsync(new { sender = "CrashB", recipient = number, message = "Submitted before the crash" }, ct), number));
            }

            await fixture.Kannel.WaitForSmscAsync(m => m.From == "CrashB", sent.Count, TimeSpan.FromSeconds(30));
            foreach (var (id, number) in sent)
            {
                await customer.WaitForRecipientStateAsync(id, number, "SENT", TimeSpan.FromSeconds(30), ct);
            }
        }

        // Kannel retries its receipt callbacks; B comes up on the receipt address and applies them.
        await using var b = await GatewayHost.StartAsync(Settings(triggers: true, receiptBase: receiptBase), receiptPort, ct);
        var restarted = customer with { Client = Reuse(customer.Client, b.BaseUrl) };
        foreach (var (id, number) in sent)
        {
            await restarted.WaitForRecipientStateAsync(id, number, "DELIVERED", TimeSpan.FromSeconds(60), ct);
        }

        Assert.Equal(sent.Count, fixture.Kannel.SmscMessages.Count(m => m.From == "CrashB"));
    }

    [Fact]
    public async Task ARecipientClaimedByADispatcherThatDiedIsFailedNotResent()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = Settings(triggers: false);
        settings["Sms:Pipeline:ClaimTimeoutSeconds"] = "1";
        string id;
        var number = Numbers.German();
        Customer customer;
        await using (var a = await GatewayHost.StartAsync(settings, cancellationToken: ct))
        {
            customer = await a.CreateCustomerAsync(cancellationToken: ct);
            id = await customer.SendAsync(new { sender = "CrashC", recipient = number, message = "Claimed then orphaned" }, ct);
            // The dispatcher claimed it and died before the carrier answered.
            var store = a.Services.GetRequiredService<RecipientStore>();
            var row = await store.GetAsync(id, number, ct);
            row!.State = "DISPATCHING";
            row.UpdatedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
            Assert.True(await store.TryReplaceAsync(row, ct));
        }

        settings["Sms:Runtime:LocalTriggers"] = "true";
        await using var b = await GatewayHost.StartAsync(settings, cancellationToken: ct);
        var recipient = await (customer with { Client = Reuse(customer.Client, b.BaseUrl) }).WaitForRecipientStateAsync(id, number, "FAILED", TimeSpan.FromSeconds(30), ct);
        Assert.Equal(App.Pipeline.DispatchHandler.UnknownOutcomeCode, recipient["errorCode"]?.GetValue<string>()
            ?? (await b.Services.GetRequiredService<RecipientStore>().GetAsync(id, number, ct))!.ErrorCode);
        Assert.DoesNotContain(fixture.Kannel.SmscMessages, m => m.From == "CrashC");

        // Not a plain FAILED: the carrier may have it, so it stays charged and says so.
        Assert.True(recipient["outcomeUnknown"]!.GetValue<bool>());
        Assert.Null(recipient["refund"]);
    }

    private static HttpClient Reuse(HttpClient client, Uri baseUrl)
    {
        var copy = new HttpClient { BaseAddress = baseUrl };
        copy.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        return copy;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class CrashFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    public KannelFixture Kannel { get; } = new() { ReceiptRetries = 60 };

    public string TablePrefix { get; } = "cr" + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask InitializeAsync() => await Task.WhenAll(Azurite.InitializeAsync().AsTask(), Kannel.InitializeAsync().AsTask());

    public async ValueTask DisposeAsync()
    {
        await Kannel.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(nameof(CrashCollection))]
public sealed class CrashCollection : ICollectionFixture<CrashFixture>;
