using System.Diagnostics;
using System.Text;

namespace SmsFunctions.App.Tests.LocalRun;

/// <summary>The built app run as its own process, the way <c>dotnet run</c> would run it, with its output captured.</summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmsFunctions.sln"))) { return dir.FullName; }
        }

        throw new InvalidOperationException("SmsFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Starts <c>SmsFunctions.App.dll</c> (copied next to the tests) in the repository root.</summary>
    public static AppProcess Start(IDictionary<string, string?> environment, params string[] args)
    {
        var dotnet = FindDotnet();
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SmsFunctions.App.dll"));
        foreach (var arg in args) { start.ArgumentList.Add(arg); }
        foreach (var (key, value) in environment)
        {
            if (value is null) { start.Environment.Remove(key); } else { start.Environment[key] = value; }
        }

        return new AppProcess(Process.Start(start) ?? throw new InvalidOperationException("The app did not start."));
    }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) { return host; }
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") { return self; }
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Asks the app to stop the way Ctrl+C or the Functions host would (SIGTERM).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) { return; }
        using (var kill = Process.Start(new ProcessStartInfo("kill", $"-TERM {_process.Id}") { UseShellExecute = false })) { await kill!.WaitForExitAsync(); }
        if (!await WaitForExitAsync(TimeSpan.FromSeconds(30))) { _process.Kill(entireProcessTree: true); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
