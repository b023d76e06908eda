using System.Diagnostics;

namespace SmsFunctions.Testing.Kannel;

/// <summary>One Kannel process (bearerbox, smsbox or fakesmsc) with its output kept in memory, stopped by PID.</summary>
internal sealed class KannelProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();

    private KannelProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public event Action<string>? LineReceived;

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static KannelProcess Start(string name, string executable, IEnumerable<string> arguments, string workingDirectory, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments) { start.ArgumentList.Add(argument); }

        var process = new Process { StartInfo = start };
        var instance = new KannelProcess(name, process);
        if (onLine is not null) { instance.LineReceived += onLine; }
        process.OutputDataReceived += (_, e) => instance.Record(e.Data);
        process.ErrorDataReceived += (_, e) => instance.Record(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} ({executable}) did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    /// <summary>Writes a line to the process's standard input (fakesmsc in interactive mode sends it as an MO).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    public string Tail(int lines = 40)
    {
        lock (_lines)
        {
            var exit = _process.HasExited ? $" (exited with {_process.ExitCode})" : "";
            return $"--- {Name}{exit}, last output:{Environment.NewLine}" + string.Join(Environment.NewLine, _lines.TakeLast(lines));
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

        LineReceived?.Invoke(line);
    }

    /// <summary>SIGTERM (Kannel shuts down cleanly on it), then SIGKILL after 5 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                {
                    if (term is not null) { await term.WaitForExitAsync().ConfigureAwait(false); }
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { _process.Kill(); }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
