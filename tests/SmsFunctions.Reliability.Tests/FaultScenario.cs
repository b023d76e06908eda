using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using SmsFunctions.Testing;
using SmsFunctions.Testing.Faults;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Reliability.Tests;

/// <summary>
/// One scenario's world: the gateway as a child process on its own table prefix (behind a
/// <see cref="StorageFaultProxy"/> when asked), Kannel or the sandbox as its carrier, a webhook receiver that can
/// go down and come back on the same port, and an account with a send token. <see cref="CheckAsync"/> waits for the
/// pipeline to settle and checks the invariants from storage and the carriers' and receiver's own records.
/// </summary>
public sealed class FaultScenario : IAsyncDisposable
{
    public const string AdminKey = "reliability-admin-key-0123456789abcdef";
    public const decimal OpeningCredit = 10_000m;
    private const string ReceiptSecret = "reliability-receipt-secret-0123";
    private static readonly string[] Scopes = ["messages:send", "messages:read", "messages:cancel"];
    private static int _instances;
    private readonly List<WebhookListener> _retiredReceivers = [];
    private readonly string _name;
    private readonly int _instance;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private FaultScenario(string name, AzuriteFixture azurite, KannelFixture kannel, bool kannelCarrier)
    {
        _name = name;
        Azurite = azurite;
        Kannel = kannel;
        UsesKannel = kannelCarrier;
        _instance = Interlocked.Increment(ref _instances);
        TablePrefix = "rl" + _instance.ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        SandboxLog = Path.Combine(Path.GetTempPath(), $"smsfunctions-sandbox-{TablePrefix}.log");
        Checker = new InvariantChecker(new TableServiceClient(azurite.ConnectionString), TablePrefix);
    }

    public AzuriteFixture Azurite { get; }

    public KannelFixture Kannel { get; }

    public bool UsesKannel { get; }

    public string TablePrefix { get; }

    public string SandboxLog { get; }

    public StorageFaultProxy? Proxy { get; private set; }

    public GatewayProcess Gateway { get; private set; } = null!;

    public WebhookListener Receiver { get; private set; } = null!;

    public int ReceiverPort { get; private set; }

    public Uri CallbackUrl => new($"http://127.0.0.1:{ReceiverPort}/hook");

    public string AccountId { get; private set; } = "";

    public string Token { get; private set; } = "";

    public InvariantChecker Checker { get; }

    public HttpClient Client { get; private set; } = null!;

    public static async Task<FaultScenario> StartAsync(
        string name, ReliabilityFixture fixture, bool kannel, bool faultProxy, IReadOnlyDictionary<string, string>? settings = null,
        KannelFixture? ownKannel = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var scenario = new FaultScenario(name, fixture.Azurite, ownKannel ?? fixture.Kannel, kannel);
        try
        {
            await scenario.InitializeAsync(faultProxy, settings, cancellationToken);
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(bool faultProxy, IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken)
    {
        if (faultProxy) { Proxy = await StorageFaultProxy.StartAsync(Azurite.Endpoints, cancellationToken: cancellationToken); }
        Receiver = await WebhookListener.StartAsync(cancellationToken);
        ReceiverPort = Receiver.BaseUrl.Port;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Sms__Storage__ConnectionString"] = Proxy?.ConnectionString ?? Azurite.ConnectionString,
            ["Sms__Storage__TablePrefix"] = TablePrefix,
            ["Sms__AdminApiKey"] = AdminKey,
            ["Sms__Routing__DefaultCarrier"] = UsesKannel ? "Kannel" : "Sandbox",
            ["Sms__Carriers__Kannel__SendSmsUrl"] = Kannel.SendSmsUrl.ToString(),
            ["Sms__Carriers__Kannel__Username"] = Kannel.Username,
            ["Sms__Carriers__Kannel__Password"] = Kannel.Password,
            ["Sms__Carriers__Kannel__ReceiptSecret"] = ReceiptSecret,
            ["Sms__Carriers__Sandbox__ReceiptDelayMilliseconds"] = "50",
            ["Sms__Carriers__Sandbox__SubmissionLogPath"] = SandboxLog,
            ["Sms__Callbacks__AllowPrivateNetworks"] = "true",
            ["Sms__Callbacks__FirstRetryDelaySeconds"] = "0.5",
            ["Sms__Callbacks__ReplayDelaySeconds"] = "2",
            // Intents (a cancel's, a sandbox receipt's) within the check's 60 s, after the real callbacks are on record.
            ["Sms__Callbacks__CancelReplayDelaySeconds"] = "15",
            ["Sms__Callbacks__TimeoutSeconds"] = "5",
            ["Sms__Runtime__IdlePollMaxMilliseconds"] = "200",
            // A killed process's leased queue messages come back after this (the default of 60 s would only slow
            // the suite down); claims it left behind are resolved after ClaimTimeoutSeconds.
            ["Sms__Runtime__VisibilityTimeoutSeconds"] = "15",
            ["Sms__Pipeline__ClaimTimeoutSeconds"] = "20",
            // A charge whose request died before its message was stored (and whose key never came back) is refunded
            // after this; the default of 10 minutes is longer than a scenario.
            ["Sms__Pipeline__OrphanGraceSeconds"] = "15",
            ["Sms__Telemetry__Console"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) { environment[key] = value; }
        // The gateway's port is chosen when it is created; Kannel's receipts go to it across restarts.
        Gateway = new GatewayProcess(environment);
        environment["Sms__Carriers__Kannel__ReceiptBaseUrl"] = Gateway.BaseUrl.ToString().TrimEnd('/');
        await Gateway.StartAsync(cancellationToken);
        await CreateAccountAsync(cancellationToken);
    }

    private async Task CreateAccountAsync(CancellationToken cancellationToken)
    {
        using var admin = new HttpClient { BaseAddress = Gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var created = await admin.PostAsJsonAsync("/api/accounts", new { name = "reliability-" + TablePrefix, credit = OpeningCredit, currency = "EUR" }, cancellationToken);
        var account = await DataAsync(created, cancellationToken);
        AccountId = account["id"]!.GetValue<string>();
        using var minted = await admin.PostAsJsonAsync("/api/tokens", new
        {
            accountId = AccountId,
            scopes = Scopes,
            expiresAt = DateTimeOffset.UtcNow.AddDays(1),
        }, cancellationToken);
        Token = (await DataAsync(minted, cancellationToken))["token"]!.GetValue<string>();
        Client = new HttpClient { BaseAddress = Gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public IdempotentSender Sender(TimeSpan deadlinePerRequest) => new(Gateway.BaseUrl, Token, deadlinePerRequest);

    /// <summary>The webhook receiver goes down: connections to its port are refused until <see cref="StartReceiverAsync"/>.</summary>
    public async Task StopReceiverAsync()
    {
        await Receiver.DisposeAsync();
        _retiredReceivers.Add(Receiver);
    }

    public async Task StartReceiverAsync(CancellationToken cancellationToken = default) => Receiver = await WebhookListener.StartAsync(ReceiverPort, cancellationToken);

    /// <summary>Everything every incarnation of the receiver got.</summary>
    public IReadOnlyList<RecordedRequest> Webhooks() => [.. _retiredReceivers.SelectMany(r => r.Requests), .. Receiver.Requests];

    /// <summary>What the carrier in use recorded.</summary>
    public IReadOnlyList<CarrierSubmissionRecord> CarrierRecordNow() => UsesKannel
        ? CarrierRecord.FromFakeSmsc(Kannel.SmscMessages.Where(m => m.Text.Contains(TablePrefix, StringComparison.Ordinal)))
        : CarrierRecord.FromSandboxLog(SandboxLog);

    /// <summary>Waits (at most <paramref name="settle"/>) for the pipeline to finish, then checks every invariant,
    /// prints the summary line and returns the report.</summary>
    public async Task<InvariantReport> CheckAsync(
        IReadOnlyCollection<ClientOutcome> sends, IReadOnlyCollection<string>? acceptedIds, TimeSpan settle, bool duplicateWebhooksTolerated = false,
        decimal topUps = 0m, bool carrierLostReceipts = false, CancellationToken cancellationToken = default)
    {
        // Killed with the sandbox as carrier, receipts it had scheduled died with the process; a stopped Kannel
        // drops the receipts smsbox still held (see ScenarioEvidence.CarrierLostReceipts).
        var receiptsDie = carrierLostReceipts || (!UsesKannel && Gateway.Kills > 0);
        Func<RecipientRow, bool>? awaitsLostReceipt = receiptsDie
            ? r => r.State is "SENT" or "BUFFERED" && CarrierRecordNow().Any(c => (c.MessageId ?? r.MessageId) == r.MessageId && c.Number == r.Number)
            : null;
        var accepted = sends.Where(s => s.Accepted).Select(s => s.MessageId!).Concat(acceptedIds ?? []).ToHashSet(StringComparer.Ordinal);
        var snapshot = await Checker.SettleAsync(AccountId, accepted, Webhooks, settle, awaitsLostReceipt, cancellationToken);
        var report = InvariantChecker.Check(snapshot, new ScenarioEvidence
        {
            Scenario = _name,
            AccountId = AccountId,
            CreditGranted = OpeningCredit + topUps,
            Sends = sends,
            AcceptedMessageIds = acceptedIds ?? [],
            Carrier = CarrierRecordNow(),
            Webhooks = Webhooks(),
            DuplicateWebhooksTolerated = duplicateWebhooksTolerated,
            CarrierLostReceipts = receiptsDie,
            FaultsInjected = Proxy?.InjectedTotal ?? 0,
            Kills = Gateway.Kills,
            Elapsed = _clock.Elapsed,
        });
        var line = report.ToString();
        if (Proxy is not null) { line += Environment.NewLine + "  faults: " + string.Join("; ", Proxy.Injected.Select(kv => $"{kv.Key} ×{kv.Value}")); }
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        // Also collected in one file per machine, for the README's Reliability section.
        await File.AppendAllTextAsync(Path.Combine(Path.GetTempPath(), "smsfunctions-reliability-summary.txt"), line + Environment.NewLine, cancellationToken);

        return report;
    }

    /// <summary>A number unique to this scenario's request <paramref name="i"/> (Italian mobile, never the sandbox's magic range).</summary>
    public string Number(int i) => "+39347" + (1_000_000 + _instance * 100_000 % 8_000_000 + i).ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>A key that carries the table prefix, so the carrier's record of this scenario can be told apart.</summary>
    public string Key(int i) => $"{TablePrefix}-{i}";

    public static async Task<JsonObject> DataAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {text}");
        }

        var data = JsonNode.Parse(text)!["data"];
        return data as JsonObject ?? (data as JsonArray)?.FirstOrDefault() as JsonObject ?? throw new InvalidOperationException("No data object in " + text);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Gateway is not null) { await Gateway.DisposeAsync(); }
        if (Receiver is not null) { await Receiver.DisposeAsync(); }
        if (Proxy is not null) { await Proxy.DisposeAsync(); }
        try { File.Delete(SandboxLog); } catch (IOException) { }
    }
}
