using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.App;
using SmsFunctions.Storage.Tables;
using SmsFunctions.Testing;

namespace SmsFunctions.App.Tests.Infrastructure;

/// <summary>
/// The real app on a loopback port against its own Azurite, with a unique table prefix. Reuse it with extra settings
/// by subclassing and overriding <see cref="Overrides"/> (or by passing them to the constructor).
/// </summary>
public class SmsAppFixture : IAsyncLifetime
{
    public const string AdminKey = "app-tests-admin-key-0123456789abcdef";
    public static readonly string[] AllScopes = ["messages:send", "messages:read", "messages:cancel", "tokens:write"];

    private readonly IReadOnlyDictionary<string, string?> _extra;
    private WebApplication? _app;

    public SmsAppFixture()
        : this(new Dictionary<string, string?>())
    {
    }

    protected SmsAppFixture(IReadOnlyDictionary<string, string?> extraSettings) => _extra = extraSettings;

    public AzuriteFixture Azurite { get; } = new();

    public string TablePrefix { get; private set; } = string.Empty;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public IServiceProvider Services => (_app ?? throw new InvalidOperationException("The app is not started.")).Services;

    public SmsTables Tables => Services.GetRequiredService<SmsTables>();

    public async ValueTask InitializeAsync()
    {
        await Azurite.InitializeAsync();
        TablePrefix = Azurite.UniqueName("t");
        var settings = new Dictionary<string, string?>
        {
            ["Sms:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Sms:Storage:TablePrefix"] = TablePrefix,
            ["Sms:AdminApiKey"] = AdminKey,
            ["Sms:Runtime:LocalTriggers"] = "false",
            ["Sms:Routing:DefaultCarrier"] = "Sandbox",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Overrides())
        {
            settings[key] = value;
        }

        foreach (var (key, value) in _extra)
        {
            settings[key] = value;
        }

        var builder = SmsFunctionsApp.CreateBuilder(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
        });
        _app = SmsFunctionsApp.Build(builder);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
        Admin = CreateClient(AdminKey);
    }

    /// <summary>Settings added after the defaults; override to run the app with other configuration.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Overrides() => new Dictionary<string, string?>();

    public HttpClient CreateClient(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Creates an account through the admin API; returns its id and webhook secret.</summary>
    public async Task<CreatedAccount> CreateAccountAsync(decimal credit, int? rateLimitPerSecond = null)
    {
        using var response = await Admin.PostAsJsonAsync("/api/accounts",
            new { name = "acct-" + Guid.NewGuid().ToString("N")[..8], credit, currency = "EUR", rateLimitPerSecond }, TestCancellation.Token);
        var data = await DataAsync(response);
        return new CreatedAccount(data["id"]!.GetValue<string>(), data["webhookSecret"]!.GetValue<string>());
    }

    /// <summary>Mints a token through the admin API; returns the token and its id.</summary>
    public async Task<CreatedToken> CreateTokenAsync(string accountId, IEnumerable<string>? scopes = null, DateTimeOffset? expiresAt = null)
    {
        using var response = await Admin.PostAsJsonAsync("/api/tokens",
            new { accountId, scopes = (scopes ?? AllScopes).ToArray(), expiresAt = expiresAt ?? DateTimeOffset.UtcNow.AddDays(1) }, TestCancellation.Token);
        var data = await DataAsync(response);
        return new CreatedToken(data["token"]!.GetValue<string>(), data["id"]!.GetValue<string>());
    }

    /// <summary>An account with <paramref name="credit"/> and a client whose token has <paramref name="scopes"/> (all by default).</summary>
    public async Task<Customer> CreateCustomerAsync(decimal credit = 100m, IEnumerable<string>? scopes = null, int? rateLimitPerSecond = null)
    {
        var account = await CreateAccountAsync(credit, rateLimitPerSecond);
        var token = await CreateTokenAsync(account.Id, scopes, null);
        return new Customer(this, account.Id, account.WebhookSecret, token.Token, CreateClient(token.Token));
    }

    /// <summary>The account's credit as the admin API reports it.</summary>
    public async Task<decimal> CreditAsync(string accountId)
    {
        using var response = await Admin.GetAsync(new Uri($"/api/accounts/{accountId}", UriKind.Relative), TestCancellation.Token);
        return (await DataAsync(response))["credit"]!.GetValue<decimal>();
    }

    /// <summary>Rows in a partition of a table, read straight from storage.</summary>
    /// <summary>Rows of a message's recipients, over all of its shards.</summary>
    /// <summary>The gateway's tables under a fresh prefix of this fixture's Azurite, created: for store-level tests.</summary>
    public async Task<SmsTables> FreshTablesAsync(string prefix)
    {
        var tables = new SmsTables(new TableServiceClient(Azurite.ConnectionString),
            Microsoft.Extensions.Options.Options.Create(new SmsFunctions.Storage.StorageOptions { TablePrefix = Azurite.UniqueName(prefix) }));
        await tables.CreateIfNotExistsAsync(TestCancellation.Token);
        return tables;
    }

    /// <summary>Counts the message's recipient rows in every recipient table (not only those the keys point at).</summary>
    public static async Task<int> CountRecipientRowsAsync(IReadOnlyList<TableClient> recipientTables, string messageId)
    {
        var count = 0;
        foreach (var recipients in recipientTables)
        {
            await foreach (var _ in recipients.QueryAsync<TableEntity>(SmsFunctions.Storage.Messages.RecipientKeys.MessageFilter(messageId), select: ["RowKey"], cancellationToken: TestCancellation.Token))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Counts an account's rows of a table whose partitions are <c>{accountId}|{bucket}</c> (messages, ledger).</summary>
    public static async Task<int> CountAccountRowsAsync(TableClient table, string accountId)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(SmsFunctions.Storage.Tables.AccountPartitions.Filter(accountId), select: ["RowKey"], cancellationToken: TestCancellation.Token))
        {
            count++;
        }

        return count;
    }

    public static async Task<int> CountRowsAsync(TableClient table, string partitionKey)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>($"PartitionKey eq '{partitionKey}'", select: ["RowKey"], cancellationToken: TestCancellation.Token))
        {
            count++;
        }

        return count;
    }

    public static async Task<JsonObject> DataAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestCancellation.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {text}");
        }

        // Seed 003 answers one message or recipient as an array of one; the contract tests check that shape itself.
        return JsonNode.Parse(text)!["data"] switch
        {
            JsonArray { Count: 1 } one => one[0]!.AsObject(),
            JsonArray many => throw new InvalidOperationException($"data holds {many.Count} items, not one: {text}"),
            var data => data!.AsObject(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Azurite.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed record CreatedAccount(string Id, string WebhookSecret);

public sealed record CreatedToken(string Token, string Id);
