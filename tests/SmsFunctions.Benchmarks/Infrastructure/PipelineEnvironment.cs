using System.Globalization;
using System.Text;
using SmsFunctions.Storage.Emulator;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// Everything the app-level scenarios need, started in dependency order and stopped in reverse (always, by PID):
/// a fresh Azurite in a throwaway folder, Kannel with fakesmsc, the customer webhook (<see cref="CallbackSink"/>),
/// optionally the <see cref="StorageCountingProxy"/>, the app in Release wired to all of them, and an account with
/// a send token.
/// </summary>
internal sealed class PipelineEnvironment : IAsyncDisposable
{
    private static int _instances;
    private readonly string _azuriteFolder = Path.Combine(Path.GetTempPath(), "smsfunctions-bench-azurite-" + Guid.NewGuid().ToString("N"));
    private readonly string _adminKey = "bench-admin-" + Guid.NewGuid().ToString("N");
    private readonly string _receiptSecret = "bench-receipts-" + Guid.NewGuid().ToString("N");
    private LoopbackListener? _callbackListener;

    private PipelineEnvironment() { }

    public AzuriteProcess Azurite { get; private set; } = null!;

    public KannelFixture Kannel { get; private set; } = null!;

    /// <summary>The account the app was set up with (a new one after every app restart).</summary>
    public string AccountId { get; private set; } = "";

    /// <summary>With <c>inboundKey</c>: the key Kannel's <c>sms-service</c> sends to the app's inbound endpoint.</summary>
    public string? InboundKey { get; private set; }

    private int _appPort;

    public CallbackSink Callbacks { get; } = new();

    public StorageCountingProxy? Proxy { get; private set; }

    public AppHost App { get; private set; } = null!;

    public AppClient Client { get; private set; } = null!;

    public Uri CallbackUrl => new(_callbackListener!.BaseUrl, Callbacks.Path);

    public string TablePrefix { get; } = "bench" + Interlocked.Increment(ref _instances).ToString(CultureInfo.InvariantCulture);

    /// <param name="inboundKey">When set, Kannel gets the catch-all <c>sms-service</c> calling the app's
    /// <c>/api/carriers/kannel/inbound</c> (the app's port is chosen up front for its get-url) without the fixture's own
    /// MO injector, and the app gets this <c>Sms:Carriers:Kannel:InboundKey</c>.</param>
    public static async Task<PipelineEnvironment> StartAsync(int clientConnections, bool countStorage, CancellationToken cancellationToken, string? inboundKey = null)
    {
        var environment = new PipelineEnvironment();
        if (inboundKey is null)
        {
            environment.Kannel = new KannelFixture();
        }
        else
        {
            environment.InboundKey = inboundKey;
            environment._appPort = AppHost.FreePort();
            environment.Kannel = new KannelFixture
            {
                InboundUrl = $"http://127.0.0.1:{environment._appPort}/api/carriers/kannel/inbound?key={inboundKey}&from=%p&to=%P&text=%b&ts=%T&smsc=%i&coding=%c&charset=%C&udh=%u&id=%I",
                StartMoInjector = false,
            };
        }

        try
        {
            // Build first: if the app does not compile there is no point starting the rest.
            await AppHost.BuildAsync(cancellationToken).ConfigureAwait(false);
            environment.Azurite = await AzuriteProcess.StartAsync(AzuriteProcess.FreeEndpoints(), environment._azuriteFolder, cancellationToken: cancellationToken, tablesInMemory: true).ConfigureAwait(false);
            await environment.Kannel.InitializeAsync().ConfigureAwait(false);
            environment._callbackListener = await LoopbackListener.StartAsync(environment.Callbacks.HandleAsync, cancellationToken).ConfigureAwait(false);
            if (countStorage)
            {
                environment.Proxy = await StorageCountingProxy.StartAsync(environment.Azurite.Endpoints, cancellationToken).ConfigureAwait(false);
                await environment.Proxy.VerifyAsync(cancellationToken).ConfigureAwait(false);
            }

            await environment.StartAppAsync(clientConnections, cancellationToken).ConfigureAwait(false);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the app and starts a fresh process on the same storage and Kannel (new account), e.g. so that
    /// each bulk size measures its own peak working set.</summary>
    public async Task RestartAppAsync(int clientConnections, CancellationToken cancellationToken)
    {
        Client.Dispose();
        await App.DisposeAsync().ConfigureAwait(false);
        await StartAppAsync(clientConnections, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the <see cref="StorageCountingProxy"/> (if it is not running) and restarts the app through it,
    /// so that a run after the measured ones can count storage operations without the proxy slowing those down.</summary>
    public async Task CountStorageAsync(int clientConnections, CancellationToken cancellationToken)
    {
        if (Proxy is not null) { return; }
        Proxy = await StorageCountingProxy.StartAsync(Azurite.Endpoints, cancellationToken).ConfigureAwait(false);
        await Proxy.VerifyAsync(cancellationToken).ConfigureAwait(false);
        await RestartAppAsync(clientConnections, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The processes whose CPU the scenarios report, by label: the app, each Azurite service, Kannel's
    /// bearerbox and smsbox, fakesmsc (the SMSC), and the harness itself (load generator, webhook, receipt sink,
    /// and the storage proxy when one runs).</summary>
    public IReadOnlyList<MeasuredProcess> MeasuredProcesses()
    {
        var processes = new List<MeasuredProcess>();
        if (App is not null && !App.HasExited) { processes.Add(new MeasuredProcess("app", App.ProcessId)); }
        var azurite = Azurite?.ProcessIds ?? [];
        string[] services = ["table", "queue", "blob"]; // the order AzuriteProcess starts them in
        for (var i = 0; i < azurite.Count; i++)
        {
            processes.Add(new MeasuredProcess("azurite-" + (i < services.Length ? services[i] : i.ToString(CultureInfo.InvariantCulture)), azurite[i]));
        }

        processes.AddRange(KannelProcesses());
        processes.Add(new MeasuredProcess("harness", Environment.ProcessId));
        return processes;
    }

    /// <summary>bearerbox, smsbox and fakesmsc: the Kannel fixture starts them as children of the harness.</summary>
    public static IReadOnlyList<MeasuredProcess> KannelProcesses() =>
        [.. ProcessCpu.ChildrenNamed(Environment.ProcessId, "bearerbox", "smsbox", "fakesmsc").OrderBy(p => Array.IndexOf(KannelOrder, p.Label))];

    private static readonly string[] KannelOrder = ["bearerbox", "smsbox", "fakesmsc"];

    /// <summary>Gives the account the inbound <paramref name="number"/> and sets its <c>inboundCallback</c> (JSON,
    /// field <c>data</c>) to <paramref name="webhook"/>.</summary>
    public Task ConfigureInboundAsync(string number, Uri webhook, CancellationToken cancellationToken) =>
        Client.SetUpInboundAsync(_adminKey, AccountId, number, webhook, cancellationToken);

    /// <summary>A single-recipient send with a JSON callback to our webhook, serialised once.</summary>
    public byte[] SingleRecipientBody(string number, string text, bool withCallback = true)
    {
        var callback = withCallback ? $$""","callback":{"url":"{{CallbackUrl}}","method":"JSON","field":"data"}""" : "";
        return Encoding.UTF8.GetBytes($$"""{"sender":"Bench","recipients":["{{number}}"],"body":"{{text}}"{{callback}}}""");
    }

    /// <summary>What a failure message needs to tell where messages got stuck: callbacks seen by state, SMS that
    /// reached fakesmsc, and the app's last output.</summary>
    public string Diagnose() =>
        $"callbacks by state: {{{string.Join(", ", Callbacks.ByState.Select(kv => kv.Key + "=" + kv.Value))}}}, " +
        $"callback problems: [{string.Join("; ", Callbacks.Problems)}], SMS at fakesmsc: {Kannel.SmscMessages.Count}." +
        Environment.NewLine + "app errors (last 200 lines, filtered): " + Environment.NewLine +
        string.Join(Environment.NewLine, App.Tail(200).Split('\n')
            .Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)
                || l.Contains("Status:", StringComparison.Ordinal) || l.Contains("ErrorCode", StringComparison.Ordinal)
                || l.Contains("warn:", StringComparison.Ordinal) || l.TrimStart().StartsWith("at SmsFunctions", StringComparison.Ordinal))
            .TakeLast(40));

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null) { await App.DisposeAsync().ConfigureAwait(false); }
        if (Proxy is not null) { await Proxy.DisposeAsync().ConfigureAwait(false); }
        if (_callbackListener is not null) { await _callbackListener.DisposeAsync().ConfigureAwait(false); }
        await Kannel.DisposeAsync().ConfigureAwait(false);
        if (Azurite is not null) { await Azurite.DisposeAsync().ConfigureAwait(false); }
        try { Directory.Delete(_azuriteFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task StartAppAsync(int clientConnections, CancellationToken cancellationToken)
    {
        App = await AppHost.StartAsync(new AppSettings(
            Proxy?.ConnectionString ?? Azurite.Endpoints.ConnectionString,
            TablePrefix,
            _adminKey,
            Kannel.SendSmsUrl,
            Kannel.Username,
            Kannel.Password,
            _receiptSecret,
            _appPort,
            InboundKey), cancellationToken).ConfigureAwait(false);
        Client = new AppClient(App.BaseUrl, clientConnections, TimeSpan.FromSeconds(120));
        try
        {
            var (accountId, secret) = await Client.SetUpAccountAsync(_adminKey, "Benchmarks", cancellationToken).ConfigureAwait(false);
            AccountId = accountId;
            Callbacks.Secret = secret;
        }
        catch (AppNotReadyException ex)
        {
            throw new AppNotReadyException(ex.Message + Environment.NewLine + App.Tail(30));
        }
    }
}
