using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SmsFunctions.Storage.Emulator;

/// <summary>
/// Starts the Azurite storage emulator from the npm package that the repository pins (package.json), installing it
/// once with npm when node_modules lacks it, and stops it by PID on dispose. Disk mode in the given folder: the
/// in-memory mode stalls after tens of thousands of queue messages (see docs on Azurite).
/// <para>
/// Each service (tables, queues, blobs) runs as its own Node.js process (the package's <c>azurite-table</c>,
/// <c>azurite-queue</c> and <c>azurite-blob</c> entry points) sharing one data folder: Node runs JavaScript on one
/// thread, and with all three in one process a busy pipeline pinned that one core while the other idled. Split,
/// table and queue work run side by side.
/// </para>
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly List<Process> _processes;

    private AzuriteProcess(List<Process> processes, AzuriteEndpoints endpoints, string location)
    {
        _processes = processes;
        Endpoints = endpoints;
        Location = location;
    }

    public AzuriteEndpoints Endpoints { get; }

    public string Location { get; }

    /// <summary>The process ids of the table, queue and blob services.</summary>
    public IReadOnlyList<int> ProcessIds => _processes.Select(p => p.Id).ToList();

    /// <summary>True when something already answers on the table and queue ports.</summary>
    public static async Task<bool> IsReachableAsync(AzuriteEndpoints endpoints, CancellationToken cancellationToken = default) =>
        await CanConnectAsync(endpoints.TablePort, cancellationToken) && await CanConnectAsync(endpoints.QueuePort, cancellationToken);

    /// <summary>Picks three free loopback ports, for side-by-side instances in tests.</summary>
    public static AzuriteEndpoints FreeEndpoints() => new(FreePort(), FreePort(), FreePort());

    /// <param name="tablesInMemory">Keep tables in memory instead of the data folder. In disk mode Azurite's table
    /// service rewrites its whole database file every 5 seconds while anything changes (LokiJS autosave), which
    /// costs seconds of CPU per save once a 100,000-recipient message is stored; tests and benchmarks, which start
    /// from an empty store anyway, turn this on. Queues always stay on disk (their in-memory mode stalls).</param>
    public static async Task<AzuriteProcess> StartAsync(
        AzuriteEndpoints endpoints,
        string location,
        ILogger? logger = null,
        bool tablesInMemory = false,
        CancellationToken cancellationToken = default)
    {
        var node = FindOnPath("node") ?? throw new AzuriteUnavailableException(
            "Node.js was not found on PATH. The local run and the tests start the Azure Storage emulator (Azurite) " +
            "from npm: install Node.js 20 or newer (https://nodejs.org or your package manager), or start Azurite " +
            "yourself and set Sms__Storage__ConnectionString.");
        var script = await EnsureInstalledAsync(logger, cancellationToken);
        Directory.CreateDirectory(location);

        var dist = Path.GetDirectoryName(script)!;
        var errors = new System.Text.StringBuilder();
        var processes = new List<Process>(3);
        foreach (var (service, port) in new[] { ("table", endpoints.TablePort), ("queue", endpoints.QueuePort), ("blob", endpoints.BlobPort) })
        {
            var start = new ProcessStartInfo(node)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                Path.Combine(dist, service, "main.js"), "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
                $"--{service}Host", "127.0.0.1", $"--{service}Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(arg);
            }

            // --inMemoryPersistence and --location cannot be combined.
            foreach (var arg in service == "table" && tablesInMemory ? ["--inMemoryPersistence"] : new[] { "--location", location })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start);
            if (process is null)
            {
                await new AzuriteProcess(processes, endpoints, location).DisposeAsync();
                throw new AzuriteUnavailableException($"Azurite's {service} service did not start.");
            }

            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (errors) { errors.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            processes.Add(process);
        }

        var instance = new AzuriteProcess(processes, endpoints, location);
        var deadline = Stopwatch.StartNew();
        while (!await IsReachableAsync(endpoints, cancellationToken))
        {
            if (processes.Any(p => p.HasExited) || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await instance.DisposeAsync();
                string detail;
                lock (errors) { detail = errors.ToString(); }
                throw new AzuriteUnavailableException(
                    $"Azurite did not start listening on ports {endpoints.BlobPort}/{endpoints.QueuePort}/{endpoints.TablePort}: {detail}");
            }

            await Task.Delay(50, cancellationToken);
        }

        logger?.LogInformation("Azurite (processes {Pids}) listening: tables {TablePort}, queues {QueuePort}, data in {Location}",
            string.Join(", ", instance.ProcessIds), endpoints.TablePort, endpoints.QueuePort, location);
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(StopAsync));
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // SIGTERM lets Azurite close its files; Process.Kill would be SIGKILL.
                using (var term = Process.Start(new ProcessStartInfo("kill", $"-TERM {process.Id}") { UseShellExecute = false }))
                {
                    if (term is not null) { await term.WaitForExitAsync(); }
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await process.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Finds the repository folder whose package.json pins azurite, from the working directory or the binaries.</summary>
    public static string? FindPackageRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var manifest = Path.Combine(dir.FullName, "package.json");
                if (File.Exists(manifest) && File.ReadAllText(manifest).Contains("\"azurite\"", StringComparison.Ordinal))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static async Task<string> EnsureInstalledAsync(ILogger? logger, CancellationToken cancellationToken)
    {
        var root = FindPackageRoot() ?? throw new AzuriteUnavailableException(
            "Could not find the repository's package.json that pins Azurite. Run from the repository, or start Azurite " +
            "yourself (npx azurite) and set Sms__Storage__ConnectionString.");
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(script))
        {
            return script;
        }

        await InstallLock.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(script))
            {
                return script;
            }

            var npm = FindOnPath("npm") ?? throw new AzuriteUnavailableException(
                "npm was not found on PATH; it comes with Node.js 20 or newer and is needed once to install Azurite.");
            logger?.LogInformation("Installing Azurite with npm in {Root} (once)", root);
            var command = File.Exists(Path.Combine(root, "package-lock.json")) ? "ci" : "install";
            var install = new ProcessStartInfo(npm) { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { command, "--no-audit", "--no-fund", "--loglevel=error" }) { install.ArgumentList.Add(arg); }
            using var process = Process.Start(install) ?? throw new AzuriteUnavailableException("npm did not start.");
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 || !File.Exists(script))
            {
                throw new AzuriteUnavailableException($"npm {command} failed in {root} (exit {process.ExitCode}): {await stderr}");
            }

            return script;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    private static async Task<bool> CanConnectAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
