using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>What the app under test is wired to.</summary>
internal sealed record AppSettings(
    string StorageConnectionString,
    string TablePrefix,
    string AdminApiKey,
    Uri KannelSendSmsUrl,
    string KannelUsername,
    string KannelPassword,
    string ReceiptSecret,
    int Port = 0,
    string? KannelInboundKey = null);

/// <summary>
/// The function app under test, in Release, as its own process (<c>dotnet SmsFunctions.App.dll --urls …</c>, so the
/// PID we sample for memory is the app itself and not a <c>dotnet run</c> wrapper), wired by environment variables to
/// our Azurite, our Kannel and a loopback port; ready when <c>GET /api/health</c> answers 200.
/// </summary>
internal sealed class AppHost : IAsyncDisposable
{
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static string? _builtDll;
    private readonly ChildProcess _process;

    private AppHost(ChildProcess process, Uri baseUrl, AppProbe? probe)
    {
        _process = process;
        BaseUrl = baseUrl;
        Probe = probe;
    }

    public Uri BaseUrl { get; }

    public int ProcessId => _process.Id;

    /// <summary>The app's in-process counters (JIT, exceptions, GC), or null when the probe assembly is missing.</summary>
    public AppProbe? Probe { get; }

    /// <summary>The latest probe snapshot, or <see cref="ProbeSnapshot.Empty"/> without a probe.</summary>
    public Task<ProbeSnapshot> ReadProbeAsync(CancellationToken cancellationToken) =>
        Probe?.ReadAsync(cancellationToken) ?? Task.FromResult(ProbeSnapshot.Empty);

    public bool HasExited => _process.HasExited;

    public string Tail(int lines = 40) => _process.Tail(lines);

    /// <summary>Builds the app in Release once per harness run (the harness does not reference the app project, so
    /// <c>dotnet run</c> of the harness does not build it).</summary>
    public static async Task<string> BuildAsync(CancellationToken cancellationToken)
    {
        await BuildLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_builtDll is not null) { return _builtDll; }
            Console.WriteLine("Building the app (Release)…");
            var clock = Stopwatch.StartNew();
            var (exit, output) = await ChildProcess.RunAsync(
                "dotnet", ["build", RepositoryPaths.AppProject, "-c", "Release", "--nologo", "-v", "q", "-clp:ErrorsOnly"],
                RepositoryPaths.Root, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            var dll = Path.Combine(Path.GetDirectoryName(RepositoryPaths.AppProject)!, "bin", "Release", "net10.0", "SmsFunctions.App.dll");
            if (exit != 0 || !File.Exists(dll))
            {
                throw new AppNotReadyException($"dotnet build of the app failed (exit {exit}):{Environment.NewLine}{output}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  built in {clock.Elapsed.TotalSeconds:0} s"));
            return _builtDll = dll;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    public static async Task<AppHost> StartAsync(AppSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var dll = await BuildAsync(cancellationToken).ConfigureAwait(false);
        var port = settings.Port > 0 ? settings.Port : FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Sms__Storage__ConnectionString"] = settings.StorageConnectionString,
            ["Sms__Storage__TablePrefix"] = settings.TablePrefix,
            ["Sms__AdminApiKey"] = settings.AdminApiKey,
            ["Sms__Routing__DefaultCarrier"] = "Kannel",
            ["Sms__Carriers__Kannel__SendSmsUrl"] = settings.KannelSendSmsUrl.ToString(),
            ["Sms__Carriers__Kannel__Username"] = settings.KannelUsername,
            ["Sms__Carriers__Kannel__Password"] = settings.KannelPassword,
            ["Sms__Carriers__Kannel__ReceiptBaseUrl"] = baseUrl.ToString().TrimEnd('/'),
            ["Sms__Carriers__Kannel__ReceiptSecret"] = settings.ReceiptSecret,
            ["Sms__Callbacks__AllowPrivateNetworks"] = "true",
            ["Sms__Telemetry__Console"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (settings.KannelInboundKey is not null) { environment["Sms__Carriers__Kannel__InboundKey"] = settings.KannelInboundKey; }

        // SMSBENCH_APP_<NAME>=<value> in the harness's environment sets <NAME> for the app, for experiments such as
        // SMSBENCH_APP_DOTNET_TieredPGO=0 or SMSBENCH_APP_Sms__Pipeline__SubmitConcurrency=32 (printed, and in the JSON notes).
        foreach (var (name, value) in AppOverrides()) { environment[name] = value; }

        AppProbe? probe = null;
        if (File.Exists(AppProbe.HookAssembly))
        {
            // The startup hook publishes the app's JIT and exception counters without any change to the app.
            probe = new AppProbe(Path.Combine(Path.GetTempPath(), "smsfunctions-bench-probe-" + Guid.NewGuid().ToString("N") + ".txt"));
            environment["DOTNET_STARTUP_HOOKS"] = AppProbe.HookAssembly;
            environment[AppProbe.FileVariable] = probe.Path;
            if (AppProbe.WantOrigins) { environment[AppProbe.OriginsVariable] = "1"; }
        }

        var process = ChildProcess.Start("app", "dotnet", [dll, "--urls", baseUrl.ToString().TrimEnd('/')],
            Path.GetDirectoryName(dll), environment);
        var host = new AppHost(process, baseUrl, probe);
        try
        {
            await host.WaitForHealthAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The app environment variables the harness's environment overrides (SMSBENCH_APP_ prefix removed).</summary>
    public static IReadOnlyList<(string Name, string Value)> AppOverrides()
    {
        const string Prefix = "SMSBENCH_APP_";
        return [.. Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => (Name: (string)e.Key, Value: e.Value as string ?? ""))
            .Where(e => e.Name.StartsWith(Prefix, StringComparison.Ordinal) && e.Name.Length > Prefix.Length)
            .Select(e => (e.Name[Prefix.Length..], e.Value))
            .OrderBy(e => e.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Resident set size now (VmRSS) and its high-water mark since start (VmHWM), in bytes, from
    /// /proc/&lt;pid&gt;/status.</summary>
    public (long Rss, long Hwm) ReadMemory()
    {
        long rss = 0, hwm = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) { rss = Kilobytes(line) * 1024; }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) { hwm = Kilobytes(line) * 1024; }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }

        return (rss, hwm);

        static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        if (Probe is not null)
        {
            try { File.Delete(Probe.Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private async Task WaitForHealthAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var health = new Uri(BaseUrl, "/api/health");
        var started = Stopwatch.StartNew();
        var last = "";
        while (started.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new AppNotReadyException($"The app exited during start-up.{Environment.NewLine}{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(health, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) { return; }
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
            }
            catch (HttpRequestException ex) { last = ex.Message; }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { last = "timeout"; }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false); // readiness probe
        }

        throw new AppNotReadyException($"GET /api/health did not answer 200 within {timeout} (last: {last}).{Environment.NewLine}{Tail()}");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The app could not be built, started, or does not (yet) offer an endpoint a scenario needs.</summary>
internal sealed class AppNotReadyException(string message) : Exception(message);
