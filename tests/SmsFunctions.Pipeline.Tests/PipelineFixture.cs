using SmsFunctions.Testing;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// Everything the pipeline talks to, for real: Azurite (tables and queues), Kannel with fakesmsc (the carrier path),
/// a loopback webhook receiver (the customer), and the gateway itself with the local trigger runtime on. The default
/// carrier is the sandbox; Italian numbers route Sandbox → Kannel, so a throttled sandbox falls back to Kannel;
/// German numbers go to Kannel.
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    public const string ReceiptSecret = "pipeline-tests-receipt-secret";

    public const string InboundKey = "pipeline-tests-inbound-key";

    public PipelineFixture()
    {
        // The gateway's port is chosen before Kannel starts, so Kannel's sms-service can call the gateway's MO endpoint.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        GatewayPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Kannel = new KannelFixture
        {
            InboundUrl = $"http://127.0.0.1:{GatewayPort}/api/carriers/kannel/inbound?key={InboundKey}&from=%p&to=%P&text=%b&ts=%T&smsc=%i&coding=%c&charset=%C&udh=%u&id=%I",
        };
    }

    public AzuriteFixture Azurite { get; } = new();

    public KannelFixture Kannel { get; }

    public int GatewayPort { get; }

    public WebhookListener Webhooks { get; private set; } = null!;

    public GatewayHost Gateway { get; private set; } = null!;

    public string TablePrefix { get; } = "pl" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Settings every gateway of this fixture shares (so a restarted gateway sees the same data).</summary>
    public Dictionary<string, string?> Settings(string defaultCarrier = "Sandbox") => new()
    {
        ["Sms:Storage:ConnectionString"] = Azurite.ConnectionString,
        ["Sms:Storage:TablePrefix"] = TablePrefix,
        ["Sms:Routing:DefaultCarrier"] = defaultCarrier,
        ["Sms:Routing:Rules:IT:0"] = defaultCarrier,
        ["Sms:Routing:Rules:IT:1"] = defaultCarrier == "Sandbox" ? "Kannel" : "Sandbox",
        ["Sms:Routing:Rules:DE:0"] = "Kannel",
        ["Sms:Routing:RetryDelaysMilliseconds:0"] = "50",
        ["Sms:Carriers:Kannel:SendSmsUrl"] = Kannel.SendSmsUrl.ToString(),
        ["Sms:Carriers:Kannel:Username"] = Kannel.Username,
        ["Sms:Carriers:Kannel:Password"] = Kannel.Password,
        ["Sms:Carriers:Kannel:ReceiptSecret"] = ReceiptSecret,
        ["Sms:Carriers:Kannel:InboundKey"] = InboundKey,
    };

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Azurite.InitializeAsync().AsTask(), Kannel.InitializeAsync().AsTask());
        Webhooks = await WebhookListener.StartAsync();
        Gateway = await GatewayHost.StartAsync(Settings(), GatewayPort);
    }

    public Uri Hook(string name) => new(Webhooks.BaseUrl, "hooks/" + name);

    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null) { await Gateway.DisposeAsync(); }
        if (Webhooks is not null) { await Webhooks.DisposeAsync(); }
        await Kannel.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(nameof(PipelineCollection))]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>;
