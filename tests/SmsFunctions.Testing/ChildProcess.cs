using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace SmsFunctions.Testing;

/// <summary>
/// A process a test or the benchmark harness started, with the tail of its output kept for failure messages. Every instance is registered
/// until it is stopped, so that Ctrl-C or a crash still stops everything we started — by PID, SIGTERM first (the app,
/// Kannel and Azurite shut down cleanly on it), SIGKILL after a grace period. Never by name.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private static readonly ConcurrentDictionary<int, ChildProcess> Live = new();
    private readonly Process _process;
    private readonly Queue<string> _lines = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static ChildProcess Start(
        string name,
        string executable,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var argument in arguments) { start.ArgumentList.Add(argument); }
        if (environment is not null)
        {
            foreach (var (key, value) in environment) { start.Environment[key] = value; }
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} ({executable}) did not start.");
        }

        Live[process.Id] = child;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a command to completion (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string executable, IEnumerable<string> arguments, string? workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var child = Start(Path.GetFileName(executable), executable, arguments, workingDirectory);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await child._process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{executable} did not finish within {timeout}.{Environment.NewLine}{child.Tail()}");
        }

        // WaitForExitAsync also waits for the redirected streams to reach EOF, so the tail is complete here.
        return (child._process.ExitCode, child.Tail(KeptLines));
    }

    public string Tail(int lines = 40)
    {
        lock (_lines)
        {
            var exit = _process.HasExited ? $" (exited with {_process.ExitCode})" : "";
            return $"--- {Name} [{Id}]{exit}, last output:{Environment.NewLine}" + string.Join(Environment.NewLine, _lines.TakeLast(lines));
        }
    }

    /// <summary>SIGKILL, as <c>kill -9</c>: the process gets no chance to finish anything. Waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (!_process.HasExited) { _process.Kill(); }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last-chance cleanup (second Ctrl-C, process exit): stops every child still registered.</summary>
    public static void StopAllNow()
    {
        foreach (var child in Live.Values)
        {
            try
            {
                if (!child._process.HasExited) { child._process.Kill(entireProcessTree: true); }
            }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                {
                    if (term is not null) { await term.WaitForExitAsync().ConfigureAwait(false); }
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(8));
                try { await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            Live.TryRemove(new KeyValuePair<int, ChildProcess>(_process.Id, this));
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is null) { return; }
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines) { _lines.Dequeue(); }
        }
    }
}
