using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// Kannel's fakesmsc as a full-speed MO source: interactive mode (one MO per line on its standard input), no pause
/// between MOs (<c>-i 0</c>; the fixture's own injector keeps fakesmsc's default of one per second), connected to the
/// fixture's <c>FAKEMO</c> SMSC. fakesmsc reads its input with <c>fgets</c> after a <c>select</c> on the descriptor,
/// so lines that a buffered read took in would wait for the next write; it runs under <c>stdbuf -i0</c> (unbuffered
/// input), which makes every line leave as soon as it is written. Started as a child of the harness, so its CPU is
/// reported as <c>fakesmsc</c>; stopped by PID.
/// </summary>
internal sealed partial class MoInjector : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _input;

    private MoInjector(Process process)
    {
        _process = process;
        _input = process.StandardInput;
        _input.AutoFlush = true;
    }

    public static async Task<MoInjector> StartAsync(KannelFixture kannel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kannel);
        var start = new ProcessStartInfo("stdbuf")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { "-i0", KannelFixture.FakeSmscPath, "-v", "1", "-H", "127.0.0.1", "-r", kannel.MoSmscPort.ToString(CultureInfo.InvariantCulture), "-i", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("fakesmsc (MO injector) did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var injector = new MoInjector(process);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var waited = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited) { throw new InvalidOperationException($"fakesmsc (MO injector) exited with {process.ExitCode}."); }
                try
                {
                    if (MoSmscOnline().IsMatch(await http.GetStringAsync(kannel.StatusUrl, cancellationToken).ConfigureAwait(false))) { return injector; }
                }
                catch (HttpRequestException) { }

                if (waited.Elapsed > TimeSpan.FromSeconds(20)) { throw new InvalidOperationException("The MO fakesmsc did not come online at bearerbox within 20 s."); }
                await Task.Delay(50, cancellationToken).ConfigureAwait(false); // readiness probe
            }
        }
        catch
        {
            await injector.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>One MO, fakesmsc's line format (<c>"&lt;from&gt; &lt;to&gt; text &lt;text&gt;"</c>), one write.</summary>
    public void Inject(string line) => _input.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // Interactive fakesmsc does not exit cleanly at the end of its input: stop it by PID.
                _process.Kill();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
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

    [GeneratedRegex(@"FAKEMO\[FAKEMO\].*\(online")]
    private static partial Regex MoSmscOnline();
}
