using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace SmsFunctions.Testing.Kannel;

/// <summary>
/// A real Kannel per test collection: bearerbox, the fake SMSC and smsbox on free loopback ports, configured in a
/// throwaway folder as described in docs/kannel.md, stopped by PID on dispose. Tests send through
/// <see cref="SendSmsUrl"/> with <see cref="Username"/>/<see cref="Password"/> and see what reached the SMSC through
/// <see cref="WaitForSmscAsync"/>. fakesmsc accepts and delivers everything: it can never fail a message.
/// </summary>
public sealed partial class KannelFixture : IAsyncLifetime
{
    public const string BearerboxPath = "/usr/sbin/bearerbox";
    public const string SmsboxPath = "/usr/sbin/smsbox";
    public const string FakeSmscPath = "/usr/lib/kannel/test/fakesmsc";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly List<SmscMessage> _smsc = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private TaskCompletionSource _smscChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private KannelProcess? _bearerbox;
    private KannelProcess? _fakesmsc;
    private KannelProcess? _smsbox;
    private KannelProcess? _mofakesmsc;
    private int _moSmscPort;
    private int _adminPort;
    private int _smsboxPort;
    private int _smscPort;
    private int _sendSmsPort;

    public string Username { get; } = "sms";

    /// <summary>How often smsbox retries a receipt callback that was not answered 200/202 (one second apart).</summary>
    public int ReceiptRetries { get; init; } = 3;

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// When set, an <c>sms-service</c> (<c>keyword = default</c>, <c>max-messages = 0</c>) calls this URL for every MO
    /// (Kannel's escape codes such as <c>%p</c> are filled in), and a second fake SMSC (<c>FAKEMO</c>, which no MT is
    /// routed to) has a fakesmsc in interactive mode that <see cref="InjectMoAsync"/> feeds through its standard input.
    /// </summary>
    public string? InboundUrl { get; init; }

    /// <summary>With <see cref="InboundUrl"/>: whether the fixture starts its own interactive fakesmsc on the MO SMSC
    /// (default). The benchmark turns it off and connects its own full-speed injector to <see cref="MoSmscPort"/>
    /// (bearerbox serves one fakesmsc connection per SMSC).</summary>
    public bool StartMoInjector { get; init; } = true;

    /// <summary>The port of the <c>FAKEMO</c> SMSC that MO injectors (fakesmsc) connect to.</summary>
    public int MoSmscPort => _moSmscPort;

    public string StatusPassword { get; } = "st-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>smsbox's sendsms endpoint.</summary>
    public Uri SendSmsUrl { get; private set; } = null!;

    /// <summary>bearerbox's status page (needs <see cref="StatusPassword"/>).</summary>
    public Uri StatusUrl => new($"http://127.0.0.1:{_adminPort}/status.txt?password={StatusPassword}");

    /// <summary>The folder with kannel.conf and the logs.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "smsfunctions-kannel-" + Guid.NewGuid().ToString("N"));

    /// <summary>Every SMS (part) fakesmsc received, in order.</summary>
    public IReadOnlyList<SmscMessage> SmscMessages
    {
        get { lock (_smsc) { return [.. _smsc]; } }
    }

    public async ValueTask InitializeAsync()
    {
        EnsureInstalled();
        Directory.CreateDirectory(Folder);
        var ports = FreePorts(5);
        _adminPort = ports[0];
        _moSmscPort = ports[4];
        (_smsboxPort, _smscPort, _sendSmsPort) = (ports[1], ports[2], ports[3]);
        SendSmsUrl = new Uri($"http://127.0.0.1:{_sendSmsPort}/cgi-bin/sendsms");
        await File.WriteAllTextAsync(ConfigPath, Configuration(_smsboxPort, _smscPort, _sendSmsPort)).ConfigureAwait(false);

        try
        {
            await StartProcessesAsync().ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A Kannel outage: stops smsbox, fakesmsc and bearerbox (SIGTERM, by PID). <see cref="SendSmsUrl"/>
    /// refuses connections until <see cref="RestartAsync"/>; what fakesmsc received so far is kept.</summary>
    public async Task StopAsync()
    {
        foreach (var process in new[] { _smsbox, _mofakesmsc, _fakesmsc, _bearerbox })
        {
            if (process is not null) { await process.DisposeAsync().ConfigureAwait(false); }
        }

        _smsbox = _mofakesmsc = _fakesmsc = _bearerbox = null;
    }

    /// <summary>Starts Kannel again after <see cref="StopAsync"/>, on the same ports and configuration.</summary>
    public Task RestartAsync() => StartProcessesAsync();

    private string ConfigPath => Path.Combine(Folder, "kannel.conf");

    private async Task StartProcessesAsync()
    {
        var config = ConfigPath;
        _bearerbox = KannelProcess.Start("bearerbox", BearerboxPath, ["-v", "1", config], Folder);
        await WaitForStatusAsync(s => s.Contains("Status: running", StringComparison.Ordinal), "bearerbox running", _bearerbox).ConfigureAwait(false);

        _fakesmsc = KannelProcess.Start("fakesmsc", FakeSmscPath,
            ["-H", "127.0.0.1", "-r", _smscPort.ToString(CultureInfo.InvariantCulture), "-m", "0", "000 000 text unused"], Folder, OnSmscLine);
        await WaitForStatusAsync(s => FakeSmscOnline().IsMatch(s), "fakesmsc online", _fakesmsc).ConfigureAwait(false);

        if (InboundUrl is not null && StartMoInjector)
        {
            // A second fake SMSC only for MOs: fakesmsc in interactive mode (no message arguments) reads them from its
            // standard input. MTs never go there (allowed-smsc-id), so the MT listener above records every one promptly.
            _mofakesmsc = KannelProcess.Start("fakesmsc-mo", FakeSmscPath, ["-H", "127.0.0.1", "-r", _moSmscPort.ToString(CultureInfo.InvariantCulture)], Folder, OnMoSmscLine);
            await WaitForStatusAsync(s => MoSmscOnline().IsMatch(s), "MO fakesmsc online", _mofakesmsc).ConfigureAwait(false);
        }

        _smsbox = KannelProcess.Start("smsbox", SmsboxPath, ["-v", "1", config], Folder);
        await WaitForStatusAsync(s => SmsboxConnected().IsMatch(s), "smsbox connected", _smsbox).ConfigureAwait(false);
        await WaitForListeningAsync(_sendSmsPort, _smsbox).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends MOs from fakesmsc to bearerbox, one fakesmsc line each: <c>"&lt;from&gt; &lt;to&gt; text &lt;text&gt;"</c>,
    /// <c>"&lt;from&gt; &lt;to&gt; ucs2 &lt;url-encoded UTF-16BE&gt;"</c>, <c>"&lt;from&gt; &lt;to&gt; udh-text &lt;udh&gt; &lt;text&gt;"</c>
    /// (docs/kannel-mo.md). Needs <see cref="InboundUrl"/>.
    /// </summary>
    public async Task InjectMoAsync(params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (InboundUrl is null || _mofakesmsc is null)
        {
            throw new InvalidOperationException("MOs need a KannelFixture with an InboundUrl, started.");
        }

        // fakesmsc handles one line per read of its input and leaves the rest of a write buffered until the next one:
        // each line goes alone, and the next only once fakesmsc says it sent this one.
        foreach (var line in lines)
        {
            var sent = Volatile.Read(ref _mosSent);
            await _mofakesmsc.WriteLineAsync(line).ConfigureAwait(false);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref _mosSent) == sent)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"fakesmsc did not send the MO '{line}'.{Environment.NewLine}{Tails()}");
                }

                await Task.Delay(20).ConfigureAwait(false); // Polling fakesmsc's output, not synchronising a test.
            }
        }
    }

    private int _mosSent;

    /// <summary>Waits until <paramref name="count"/> SMS parts matching <paramref name="predicate"/> reached the SMSC.</summary>
    public async Task<IReadOnlyList<SmscMessage>> WaitForSmscAsync(Func<SmscMessage, bool> predicate, int count = 1, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            List<SmscMessage> matches;
            lock (_smsc)
            {
                changed = _smscChanged.Task;
                matches = _smsc.Where(predicate).Take(count).ToList();
            }

            if (matches.Count >= count) { return matches; }
            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} matching SMS at fakesmsc, got {matches.Count}.{Environment.NewLine}{Tails()}");
            }
        }
    }

    /// <summary>The last lines of every process's output and of the log files, for failure messages.</summary>
    public string Tails()
    {
        var text = new StringBuilder();
        foreach (var process in new[] { _bearerbox, _fakesmsc, _mofakesmsc, _smsbox })
        {
            if (process is not null) { text.AppendLine(process.Tail()); }
        }

        foreach (var log in new[] { "bearerbox.log", "smsbox.log" })
        {
            var path = Path.Combine(Folder, log);
            if (File.Exists(path))
            {
                try
                {
                    using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    using var reader = new StreamReader(stream);
                    var lines = reader.ReadToEnd().Split('\n');
                    text.AppendLine($"--- {log}:").AppendLine(string.Join('\n', lines.TakeLast(40)));
                }
                catch (IOException) { }
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        // smsbox and fakesmsc first: they would otherwise log reconnect attempts to a vanished bearerbox.
        foreach (var process in new[] { _smsbox, _mofakesmsc, _fakesmsc, _bearerbox })
        {
            if (process is not null) { await process.DisposeAsync().ConfigureAwait(false); }
        }

        _smsbox = _mofakesmsc = _fakesmsc = _bearerbox = null;
        _http.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void EnsureInstalled()
    {
        var missing = new[] { BearerboxPath, SmsboxPath, FakeSmscPath }.Where(p => !File.Exists(p)).ToArray();
        if (missing.Length == 0) { return; }

        var what = string.Join(", ", missing);
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Kannel is required in CI and must not be skipped, but {what} is missing: the CI image must run 'apt-get install -y kannel kannel-extras'.");
        }

        throw new InvalidOperationException(
            $"The Kannel integration tests need Kannel 1.4.5, but {what} is missing. Install it with 'sudo apt-get install kannel kannel-extras' " +
            "(fakesmsc is in kannel-extras); the package's own service need not run.");
    }

    private string Configuration(int smsboxPort, int smscPort, int sendSmsPort) => $"""
        group = core
        admin-port = {_adminPort}
        admin-interface = 127.0.0.1
        admin-password = adm-{Guid.NewGuid():N}
        status-password = {StatusPassword}
        admin-allow-ip = "127.0.0.1"
        smsbox-port = {smsboxPort}
        smsbox-interface = 127.0.0.1
        box-allow-ip = "127.0.0.1"
        dlr-storage = internal
        log-file = "{Path.Combine(Folder, "bearerbox.log")}"
        log-level = 1

        group = smsc
        smsc = fake
        smsc-id = FAKE
        port = {smscPort}
        our-host = 127.0.0.1
        connect-allow-ip = "127.0.0.1"

        group = smsbox
        bearerbox-host = 127.0.0.1
        bearerbox-port = {smsboxPort}
        sendsms-port = {sendSmsPort}
        sendsms-interface = 127.0.0.1
        http-request-retry = {ReceiptRetries}
        http-queue-delay = 1
        log-file = "{Path.Combine(Folder, "smsbox.log")}"
        log-level = 1

        group = sendsms-user
        username = {Username}
        password = {Password}
        user-allow-ip = "127.0.0.1"
        concatenation = true
        max-messages = 10
        {InboundService()}
        """;

    private string InboundService() => InboundUrl is null ? string.Empty : $"""

        group = smsc
        smsc = fake
        smsc-id = FAKEMO
        port = {_moSmscPort}
        our-host = 127.0.0.1
        connect-allow-ip = "127.0.0.1"
        allowed-smsc-id = FAKEMO

        group = sms-service
        name = inbound
        keyword = default
        get-url = "{InboundUrl}"
        max-messages = 0

        """;

    private async Task WaitForStatusAsync(Func<string, bool> ready, string what, KannelProcess process)
    {
        var started = DateTime.UtcNow;
        var last = "";
        while (DateTime.UtcNow - started < StartTimeout)
        {
            if (process.HasExited) { break; }
            try
            {
                last = await _http.GetStringAsync(StatusUrl).ConfigureAwait(false);
                if (ready(last)) { return; }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }

            await Task.Delay(50).ConfigureAwait(false); // Polling a readiness probe, not synchronising a test.
        }

        throw new InvalidOperationException($"Kannel did not start: waited for {what}.{Environment.NewLine}status.txt: {last}{Environment.NewLine}{Tails()}");
    }

    private async Task WaitForListeningAsync(int port, KannelProcess process)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < StartTimeout && !process.HasExited)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) { }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"smsbox is not listening on sendsms port {port}.{Environment.NewLine}{Tails()}");
    }

    private void OnMoSmscLine(string line)
    {
        if (line.Contains("fakesmsc: sent message", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _mosSent);
        }
    }

    private void OnSmscLine(string line)
    {
        if (SmscMessage.TryParse(line) is not { } message) { return; }
        TaskCompletionSource changed;
        lock (_smsc)
        {
            _smsc.Add(message);
            changed = _smscChanged;
            _smscChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners) { listener.Start(); }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners) { listener.Stop(); }
        }
    }

    [GeneratedRegex(@"FAKE\[FAKE\].*\(online")]
    private static partial Regex FakeSmscOnline();

    [GeneratedRegex(@"FAKEMO\[FAKEMO\].*\(online")]
    private static partial Regex MoSmscOnline();

    [GeneratedRegex(@"smsbox:.*IP 127\.0\.0\.1")]
    private static partial Regex SmsboxConnected();
}
