using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmsFunctions.Testing.Faults;

/// <summary>
/// The gateway as its own process (<c>dotnet SmsFunctions.App.dll</c>, the build copied next to the tests), on one
/// loopback port for its whole life, so that it can be killed with SIGKILL at any moment and started again on the
/// same port and storage (Kannel's receipts keep their URL). Ready when <c>GET /api/health</c> answers 200.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _dll;
    private ChildProcess? _process;

    public GatewayProcess(IReadOnlyDictionary<string, string> environment, string? dll = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _dll = dll ?? Path.Combine(AppContext.BaseDirectory, "SmsFunctions.App.dll");
        Port = FreePort();
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    /// <summary>How many times it was started.</summary>
    public int Starts { get; private set; }

    /// <summary>How many times it was killed with SIGKILL.</summary>
    public int Kills { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The end of the current (or last) process's output.</summary>
    public string Tail(int lines = 40) => _process?.Tail(lines) ?? "(not started)";

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning) { throw new InvalidOperationException("The gateway is already running."); }
        if (_process is not null) { await _process.DisposeAsync().ConfigureAwait(false); }
        var environment = new Dictionary<string, string>(_environment, StringComparer.Ordinal)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        _process = ChildProcess.Start("gateway", Dotnet(), [_dll, "--urls", $"http://127.0.0.1:{Port}"], AppContext.BaseDirectory, environment);
        Starts++;
        await WaitForHealthAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>kill -9</c>: nothing in flight gets to finish.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (_process is null || _process.HasExited) { return; }
        await _process.KillAsync(cancellationToken).ConfigureAwait(false);
        Kills++;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) { await _process.DisposeAsync().ConfigureAwait(false); }
    }

    private async Task WaitForHealthAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = new Uri(BaseUrl, "/api/health");
        var started = Stopwatch.StartNew();
        var last = "";
        while (started.Elapsed < timeout)
        {
            if (_process!.HasExited) { throw new InvalidOperationException($"The gateway exited during start-up.{Environment.NewLine}{Tail()}"); }
            try
            {
                using var response = await http.GetAsync(health, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) { return; }
                last = $"{(int)response.StatusCode}";
            }
            catch (HttpRequestException ex) { last = ex.Message; }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { last = "timeout"; }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false); // readiness probe
        }

        throw new TimeoutException($"GET /api/health did not answer 200 within {timeout} (last: {last}).{Environment.NewLine}{Tail()}");
    }

    private static string Dotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) { return host; }
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") { return self; }
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"gateway on {Port}: {Starts} starts, {Kills} kills");
}
