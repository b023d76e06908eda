using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.App;
using SmsFunctions.Queues;
using SmsFunctions.Queues.StorageQueues;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// <c>DELETE /api/messages/{id}</c> and delivery callbacks under faults: a callbacks queue that refuses a send, a
/// replay for a recipient the dispatcher took first (a client that hangs up mid-cancel: <see cref="CancelHangUpTests"/>). Own Azurite (queue names are fixed, so no other gateway may drain these queues) and a gateway whose
/// queue sender can be told to fail.
/// </summary>
public sealed class CancelFaultTests(CancelFaultFixture fixture) : IClassFixture<CancelFaultFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Field(RecordedRequest r, string name) => JsonNode.Parse(r.Body)?["data"]?[name]?.GetValue<string>();

    /// <summary>Every recipient's CANCELED callback arrives, each exactly once (no replay doubles one that went out).</summary>
    private async Task AssertCanceledCallbacksAsync(Uri hook, string[] numbers)
    {
        var callbacks = await fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath && Field(r, "state") == "CANCELED", numbers.Length, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(numbers.Order(StringComparer.Ordinal), callbacks.Select(c => Field(c, "recipient")).Order(StringComparer.Ordinal));

        // The cancel's replays wait CancelFaultFixture.CancelReplayDelaySeconds; give a doubled one time to show itself (bounded).
        await Task.Delay(TimeSpan.FromSeconds(CancelFaultFixture.CancelReplayDelaySeconds + 2), Ct);
        Assert.Equal(numbers.Length, fixture.Webhooks.Requests.Count(r => r.Path == hook.AbsolutePath && Field(r, "state") == "CANCELED"));
    }

    [Fact]
    public async Task ACanceledCallbackIsNotLostWhenItsQueueSendFailsAfterTheStateChange()
    {
        // What a process that died between storing CANCELED and queuing its callback leaves: the state, no callback.
        var (customer, id, numbers, hook) = await fixture.ScheduleAsync(2, TimeSpan.FromHours(2));
        fixture.Queues.FailNext(QueueNames.Callbacks, 1, replays: false);

        using var canceled = await CancelFaultFixture.DeleteAsync(customer, id, Ct);
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal(0, fixture.Queues.Armed);
        foreach (var number in numbers)
        {
            Assert.Equal("CANCELED", (await fixture.Recipients.GetAsync(id, number, Ct))!.State);
        }

        await AssertCanceledCallbacksAsync(hook, numbers);
    }

    [Fact]
    public async Task ASandboxReceiptsCallbackIsNotLostWhenItsQueueSendFailsAfterTheStateChange()
    {
        // What a process killed between storing a sandbox receipt's DELIVERED and queuing its callback leaves (the
        // kill scenario lost 0–5 of 600 webhooks this way): the sandbox never repeats a receipt, so only the intent
        // queued before the change can report it.
        var customer = await fixture.CreateCustomerAsync();
        var hook = new Uri(fixture.Webhooks.BaseUrl, "hooks/" + Guid.NewGuid().ToString("N"));
        var number = Numbers.Italian();
        fixture.Queues.FailNext(QueueNames.Callbacks, 1, replays: false);

        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = new[] { number },
            body = "Delivered, reported",
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, Ct);

        var delivered = await fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath && Field(r, "state") == "DELIVERED", 1, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(number, Field(delivered[0], "recipient"));
        Assert.Equal(0, fixture.Queues.Armed); // the callback's own queue send did fail
        Assert.Equal("DELIVERED", (await fixture.Recipients.GetAsync(id, number, Ct))!.State);
        await Task.Delay(TimeSpan.FromSeconds(CancelFaultFixture.CancelReplayDelaySeconds + 2), Ct); // intents wait this long
        Assert.Single(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath);
    }

    [Fact]
    public async Task ADeleteRepeatedAfterTheCallbackQueueFailedFinishesTheCancelAndCallsBackOnce()
    {
        var (customer, id, numbers, hook) = await fixture.ScheduleAsync(3, TimeSpan.FromHours(2));
        fixture.Queues.FailNext(QueueNames.Callbacks, 1, replays: null);

        using (var first = await CancelFaultFixture.DeleteAsync(customer, id, Ct))
        {
            Assert.True((int)first.StatusCode >= 500, $"The failed DELETE answered {(int)first.StatusCode}.");
        }

        Assert.Equal(0, fixture.Queues.Armed);
        using var again = await CancelFaultFixture.DeleteAsync(customer, id, Ct);
        var text = await again.Content.ReadAsStringAsync(Ct);
        Assert.True(again.StatusCode == HttpStatusCode.OK, $"{(int)again.StatusCode}: {text}");
        Assert.Equal(3, JsonNode.Parse(text)!["canceled"]!.GetValue<int>());
        Assert.Equal(3, JsonNode.Parse(text)!["data"]!.AsArray().Count);
        Assert.Equal("CANCELED", (await customer.GetAsync(id, Ct))["state"]!.GetValue<string>());

        await AssertCanceledCallbacksAsync(hook, numbers);

        // Done now: a third DELETE has nothing left to cancel.
        using var third = await CancelFaultFixture.DeleteAsync(customer, id, Ct);
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
    }

    [Fact]
    public async Task ARepeatedDeleteFinishesACancelInterruptedBeforeItsOutboxRowWasRemoved()
    {
        // The state a process leaves when it dies after writing CANCELED and before removing the Schedule row.
        var (customer, id, numbers, hook) = await fixture.ScheduleAsync(2, TimeSpan.FromHours(2));
        using (var canceled = await CancelFaultFixture.DeleteAsync(customer, id, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        await AssertCanceledCallbacksAsync(hook, numbers);
        var message = (await fixture.Messages.GetAsync(customer.AccountId, id, Ct))!;
        Assert.Equal(DispatchStates.None, message.DispatchState);
        message.DispatchState = DispatchStates.Canceling;
        Assert.True(await fixture.Messages.TryReplaceAsync(message, Ct));
        await fixture.Schedule.AddAsync(customer.AccountId, id, message.DueAt!.Value, SmsFunctions.Core.Pricing.PriorityBand.Normal, 2, Ct);

        using var again = await CancelFaultFixture.DeleteAsync(customer, id, Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null(await fixture.Schedule.GetAsync(id, message.DueAt!.Value, Ct));
        Assert.Equal(DispatchStates.None, (await fixture.Messages.GetAsync(customer.AccountId, id, Ct))!.DispatchState);
        await AssertCanceledCallbacksAsync(hook, numbers); // Still once each: the finished cancel raised no second callback.
    }

    [Fact]
    public async Task ACanceledReplayForARecipientADispatcherTookFirstReportsNothing()
    {
        // The cancel queues its CANCELED replays before it decides; a recipient the dispatcher claimed first never
        // became CANCELED, and its replay must not say it did.
        var customer = await fixture.CreateCustomerAsync();
        var hook = new Uri(fixture.Webhooks.BaseUrl, "hooks/" + Guid.NewGuid().ToString("N"));
        var number = Numbers.Italian();
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = new[] { number },
            body = "Sent before the cancel",
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, Ct);
        await fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath && Field(r, "state") == "DELIVERED", 1, TimeSpan.FromSeconds(90), Ct);

        var enqueuer = fixture.Services.GetRequiredService<SmsFunctions.App.Pipeline.CallbackEnqueuer>();
        await enqueuer.EnqueueAsync([new SmsFunctions.App.Pipeline.CallbackEvent(customer.AccountId, id, number, "CANCELED", DateTimeOffset.UtcNow, Replay: true)], cancellationToken: Ct);

        // A control replay on another message shows when replays have been handled (bounded wait).
        var (control, controlId, controlNumbers, controlHook) = await fixture.ScheduleAsync(1, TimeSpan.FromHours(2));
        foreach (var n in controlNumbers)
        {
            var row = (await fixture.Recipients.GetAsync(controlId, n, Ct))!;
            row.State = "CANCELED";
            Assert.True(await fixture.Recipients.TryReplaceAsync(row, Ct));
        }

        await enqueuer.EnqueueAsync([new SmsFunctions.App.Pipeline.CallbackEvent(control.AccountId, controlId, controlNumbers[0], "CANCELED", DateTimeOffset.UtcNow, Replay: true)], cancellationToken: Ct);
        await fixture.Webhooks.WaitForAsync(r => r.Path == controlHook.AbsolutePath && Field(r, "state") == "CANCELED", 1, TimeSpan.FromSeconds(30), Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        Assert.DoesNotContain(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath && Field(r, "state") == "CANCELED");
    }
}

/// <summary>Azurite, a webhook receiver and a gateway (local triggers on, sandbox carrier) whose queue sender fails on demand.</summary>
public sealed class CancelFaultFixture : IAsyncLifetime
{
    public const double ReplayDelaySeconds = 2;

    /// <summary>The cancel's own replays: long enough for its callbacks to be on record on a busy 2-core machine.</summary>
    public const double CancelReplayDelaySeconds = 5;

    private static readonly string[] Scopes = ["messages:send", "messages:read", "messages:cancel"];

    private WebApplication? _app;

    public AzuriteFixture Azurite { get; } = new();

    public WebhookListener Webhooks { get; private set; } = null!;

    public FaultyQueueSender Queues { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public RecipientStore Recipients => Services.GetRequiredService<RecipientStore>();

    public MessageStore Messages => Services.GetRequiredService<MessageStore>();

    public ScheduleIndex Schedule => Services.GetRequiredService<ScheduleIndex>();

    public async ValueTask InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Webhooks = await WebhookListener.StartAsync();
        var builder = SmsFunctionsApp.CreateBuilder(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sms:Storage:ConnectionString"] = Azurite.ConnectionString,
                ["Sms:Storage:TablePrefix"] = Azurite.UniqueName("cf"),
                ["Sms:AdminApiKey"] = GatewayHost.AdminKey,
                ["Sms:Routing:DefaultCarrier"] = "Sandbox",
                ["Sms:Callbacks:AllowPrivateNetworks"] = "true",
                // Every test client is 127.0.0.1, and the priority test alone sends 1,000 messages in a burst.
                ["Sms:RateLimit:PerClientAddressPerSecond"] = "100000",
                ["Sms:Callbacks:FirstRetryDelaySeconds"] = "0.3",
                ["Sms:Callbacks:ReplayDelaySeconds"] = ReplayDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Sms:Callbacks:CancelReplayDelaySeconds"] = CancelReplayDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Sms:Runtime:IdlePollMaxMilliseconds"] = "200",
                ["Sms:Carriers:Sandbox:ReceiptDelayMilliseconds"] = "20",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Logging.ClearProviders();
            // Registered before the app's own (which are TryAdd): every send goes through the fault switch.
            b.Services.AddSingleton(sp => new FaultyQueueSender(sp.GetRequiredService<StorageQueueTransport>()));
            b.Services.AddSingleton<IQueueSender>(sp => sp.GetRequiredService<FaultyQueueSender>());
        });
        _app = SmsFunctionsApp.Build(builder);
        await _app.StartAsync();
        Queues = Services.GetRequiredService<FaultyQueueSender>();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Admin = new HttpClient { BaseAddress = new Uri(address) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.AdminKey);
    }

    public async Task<Customer> CreateCustomerAsync(decimal credit = 1000m)
    {
        var ct = TestContext.Current.CancellationToken;
        using var created = await Admin.PostAsJsonAsync("/api/accounts", new { name = "cf-" + Guid.NewGuid().ToString("N")[..6], credit, currency = "EUR" }, ct);
        var account = await GatewayHost.ReadDataAsync(created, ct);
        var accountId = account["id"]!.GetValue<string>();
        using var minted = await Admin.PostAsJsonAsync("/api/tokens", new
        {
            accountId,
            scopes = Scopes,
            expiresAt = DateTimeOffset.UtcNow.AddDays(1),
        }, ct);
        var token = (await GatewayHost.ReadDataAsync(minted, ct))["token"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = Admin.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new Customer(accountId, client, account["webhookSecret"]?.GetValue<string>() ?? string.Empty);
    }

    /// <summary>A message to <paramref name="recipients"/> new numbers, due in <paramref name="dueIn"/>, calling back to a hook of its own.</summary>
    public async Task<(Customer Customer, string Id, string[] Numbers, Uri Hook)> ScheduleAsync(int recipients, TimeSpan dueIn)
    {
        var customer = await CreateCustomerAsync();
        var hook = new Uri(Webhooks.BaseUrl, "hooks/" + Guid.NewGuid().ToString("N"));
        var numbers = Enumerable.Range(0, recipients).Select(_ => Numbers.Italian()).ToArray();
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = numbers,
            body = "Cancel me",
            scheduledAt = DateTimeOffset.UtcNow + dueIn,
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, TestContext.Current.CancellationToken);
        return (customer, id, numbers, hook);
    }

    public static Task<HttpResponseMessage> DeleteAsync(Customer customer, string id, CancellationToken cancellationToken) =>
        customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), cancellationToken);

    public async Task<decimal> CreditAsync(string accountId)
    {
        using var response = await Admin.GetAsync(new Uri($"/api/accounts/{accountId}", UriKind.Relative), TestContext.Current.CancellationToken);
        return (await GatewayHost.ReadDataAsync(response, TestContext.Current.CancellationToken))["credit"]!.GetValue<decimal>();
    }

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }

        if (Webhooks is not null) { await Webhooks.DisposeAsync(); }
        await Azurite.DisposeAsync();
    }
}

/// <summary>The real queue sender, with a switch: the next sends to a queue fail as a storage outage would.</summary>
public sealed class FaultyQueueSender(IQueueSender inner) : IQueueSender
{
    private readonly Lock _lock = new();
    private string? _queue;
    private bool? _replays;
    private int _armed;

    /// <summary>Failures still to inject.</summary>
    public int Armed
    {
        get { lock (_lock) { return _armed; } }
    }

    /// <summary>Fails the next <paramref name="count"/> sends to <paramref name="queue"/>; with <paramref name="replays"/>
    /// set, only sends whose events are (true) or are not (false) replays.</summary>
    public void FailNext(string queue, int count, bool? replays)
    {
        lock (_lock)
        {
            _queue = queue;
            _replays = replays;
            _armed = count;
        }
    }

    private void Check(string queue, IEnumerable<OutgoingQueueMessage> messages)
    {
        lock (_lock)
        {
            if (_armed == 0 || queue != _queue) { return; }
            var replay = messages.Any(m => m.Body.Contains("\"rp\":true", StringComparison.Ordinal));
            if (_replays is { } wanted && wanted != replay) { return; }
            _armed--;
        }

        throw new Azure.RequestFailedException(503, "Injected: the queue service is unavailable.");
    }

    public Task SendAsync(string queueName, OutgoingQueueMessage message, CancellationToken cancellationToken = default)
    {
        Check(queueName, [message]);
        return inner.SendAsync(queueName, message, cancellationToken);
    }

    public Task SendBatchAsync(string queueName, IReadOnlyList<OutgoingQueueMessage> messages, CancellationToken cancellationToken = default)
    {
        Check(queueName, messages);
        return inner.SendBatchAsync(queueName, messages, cancellationToken);
    }
}
