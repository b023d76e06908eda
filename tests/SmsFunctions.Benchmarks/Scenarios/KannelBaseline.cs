using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>One baseline run's figures.</summary>
internal sealed record KannelRun(int Count, int Accepted, int Errors, int Delivered, double AcceptedPerSecond, double DeliveredPerSecond, int Receipts)
{
    public bool Complete => Accepted == Count && Delivered == Count && Errors == 0;

    /// <summary>CPU milliseconds spent during the run by bearerbox, smsbox, fakesmsc and the harness (/proc).</summary>
    public IReadOnlyDictionary<string, double> CpuMilliseconds { get; init; } = new Dictionary<string, double>();

    /// <summary>CPU of other processes on the machine during the run, in cores.</summary>
    public double OtherCores { get; init; }

    public string DescribeCpu() => string.Create(CultureInfo.InvariantCulture,
        $"CPU ms/SMS {string.Join(", ", CpuMilliseconds.Select(kv => $"{kv.Key} {kv.Value / Math.Max(Delivered, 1):0.000}"))}; other load {OtherCores:0.00} cores");
}

/// <summary>
/// Kannel alone: <c>sendsms</c> with <c>dlr-mask=31</c> from <see cref="Concurrency"/> keep-alive clients, receipts
/// counted at a loopback <see cref="KannelReceiptSink"/>. Shared by <c>baseline-kannel</c> and by <c>pipeline</c>,
/// which measures the baseline in the same run to compute its ratio.
/// </summary>
internal sealed class KannelBaseline : IAsyncDisposable
{
    public const int Concurrency = 32;
    private readonly KannelFixture _kannel;
    private readonly KannelReceiptSink _sink;
    private readonly LoopbackListener _listener;
    private readonly HttpClient _http;

    private KannelBaseline(KannelFixture kannel, KannelReceiptSink sink, LoopbackListener listener)
    {
        _kannel = kannel;
        _sink = sink;
        _listener = listener;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public static async Task<KannelBaseline> StartAsync(KannelFixture kannel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kannel);
        var sink = new KannelReceiptSink();
        var listener = await LoopbackListener.StartAsync(sink.HandleAsync, cancellationToken).ConfigureAwait(false);
        return new KannelBaseline(kannel, sink, listener);
    }

    /// <summary>Sends <paramref name="count"/> messages and waits for every delivered receipt, both bounded by
    /// <paramref name="deadline"/>.</summary>
    public async Task<KannelRun> RunAsync(int count, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var block = TestNumbers.NextBlock();
        _sink.BeginRun(count);
        var urls = Enumerable.Range(0, count).Select(i => new Uri(
            $"{_kannel.SendSmsUrl}?username={Uri.EscapeDataString(_kannel.Username)}&password={Uri.EscapeDataString(_kannel.Password)}" +
            $"&from=Bench&to={Uri.EscapeDataString(TestNumbers.Number(block, i))}&text={Uri.EscapeDataString("Benchmark message " + i.ToString(CultureInfo.InvariantCulture))}" +
            $"&dlr-mask=31&dlr-url={Uri.EscapeDataString($"{_listener.Origin}/dlr?n={i}&t=%d")}")).ToArray();

        var processes = PipelineEnvironment.KannelProcesses().Append(new MeasuredProcess("harness", Environment.ProcessId)).ToArray();
        var cpuBefore = ProcessCpu.Take(processes);
        var started = Stopwatch.GetTimestamp();
        var sent = await LoadDriver.ClosedLoopAsync(count, Concurrency, deadline, async (i, ct) =>
        {
            using var response = await _http.GetAsync(urls[i], ct).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.Accepted;
        }, cancellationToken).ConfigureAwait(false);

        // Receipts trail the accepts; wait for the rest within what is left of the deadline.
        var remaining = deadline - Stopwatch.GetElapsedTime(started);
        var waited = Stopwatch.StartNew();
        while (_sink.Delivered < sent.Succeeded && waited.Elapsed < remaining)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        var cpu = ProcessCpu.Between(cpuBefore, ProcessCpu.Take(processes));
        var lastDelivered = _sink.LastDeliveredAt();
        return new KannelRun(count, sent.Succeeded, sent.Failed + (count - sent.Started), _sink.Delivered,
            sent.SucceededPerSecond,
            _sink.Delivered == 0 ? 0 : _sink.Delivered / ClosedLoopOutcome.Seconds(started, lastDelivered),
            _sink.Receipts)
        {
            CpuMilliseconds = cpu.MillisecondsByLabel,
            OtherCores = cpu.OtherCores,
        };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}
