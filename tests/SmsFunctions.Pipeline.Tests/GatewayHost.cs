using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.App;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>One running gateway (the real app, in this process, on a loopback port) and an HTTP client for it.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string AdminKey = "pipeline-tests-admin-key-0123456789";

    private static readonly string[] AllScopes = ["messages:send", "messages:read", "messages:cancel", "tokens:write"];

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Admin = new HttpClient { BaseAddress = baseUrl };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public Uri BaseUrl { get; }

    public HttpClient Admin { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?> settings, int port = 0, CancellationToken cancellationToken = default)
    {
        var builder = SmsFunctionsApp.CreateBuilder(["--urls", $"http://127.0.0.1:{port}"], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sms:AdminApiKey"] = AdminKey,
                ["Sms:Callbacks:AllowPrivateNetworks"] = "true",
                // Every test client is 127.0.0.1, and the priority test alone sends 1,000 messages in a burst.
                ["Sms:RateLimit:PerClientAddressPerSecond"] = "100000",
                ["Sms:Callbacks:FirstRetryDelaySeconds"] = "0.3",
                ["Sms:Callbacks:ReplayDelaySeconds"] = "0.5",
                ["Sms:Runtime:IdlePollMaxMilliseconds"] = "200",
                ["Sms:Carriers:Sandbox:ReceiptDelayMilliseconds"] = "20",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
        });
        var app = SmsFunctionsApp.Build(builder);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address));
    }

    /// <summary>Creates an account with credit and a token with every scope; returns a client that uses it and the webhook secret.</summary>
    public async Task<Customer> CreateCustomerAsync(decimal credit = 1000m, CancellationToken cancellationToken = default)
    {
        using var created = await Admin.PostAsJsonAsync("/api/accounts", new { name = "acme-" + Guid.NewGuid().ToString("N")[..6], credit, currency = "EUR" }, cancellationToken);
        var account = await ReadDataAsync(created, cancellationToken);
        var accountId = account["id"]!.GetValue<string>();
        using var minted = await Admin.PostAsJsonAsync("/api/tokens", new
        {
            accountId,
            scopes = AllScopes,
            expiresAt = DateTimeOffset.UtcNow.AddDays(1),
        }, cancellationToken);
        var token = (await ReadDataAsync(minted, cancellationToken))["token"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var secret = account["webhookSecret"]?.GetValue<string>()
            ?? (await Services.GetRequiredService<SmsFunctions.Storage.Accounts.AccountStore>().GetAsync(accountId, cancellationToken))!.WebhookSecret;
        return new Customer(accountId, client, secret);
    }

    public static async Task<JsonObject> ReadDataAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {text}");
        }

        var data = JsonNode.Parse(text)!["data"];
        return data as JsonObject ?? (data as JsonArray)?.FirstOrDefault() as JsonObject
            ?? throw new InvalidOperationException("No data object in " + text);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

public sealed record Customer(string AccountId, HttpClient Client, string WebhookSecret)
{
    public async Task<string> SendAsync(object request, CancellationToken cancellationToken = default)
    {
        using var response = await Client.PostAsJsonAsync("/api/messages", request, cancellationToken);
        return (await GatewayHost.ReadDataAsync(response, cancellationToken))["id"]!.GetValue<string>();
    }

    public async Task<JsonObject> GetAsync(string messageId, CancellationToken cancellationToken = default)
    {
        using var response = await Client.GetAsync(new Uri($"/api/messages/{messageId}", UriKind.Relative), cancellationToken);
        return await GatewayHost.ReadDataAsync(response, cancellationToken);
    }

    public async Task<JsonObject> RecipientAsync(string messageId, string number, CancellationToken cancellationToken = default)
    {
        using var response = await Client.GetAsync(new Uri($"/api/messages/{messageId}/recipients/{Uri.EscapeDataString(number)}", UriKind.Relative), cancellationToken);
        return await GatewayHost.ReadDataAsync(response, cancellationToken);
    }

    /// <summary>Polls one recipient until its state is <paramref name="state"/> (the pipeline is asynchronous by nature).</summary>
    public async Task<JsonObject> WaitForRecipientStateAsync(string messageId, string number, string state, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonObject? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await RecipientAsync(messageId, number, cancellationToken);
            if (last["state"]?.GetValue<string>() == state) { return last; }
            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"Recipient {number} of {messageId} did not reach {state}; last seen: {last?.ToJsonString()}");
    }
}

internal static class Json
{
    public static JsonObject Parse(string text) => JsonNode.Parse(text)!.AsObject();

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
