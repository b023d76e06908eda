using Azure.Core;
using Azure.Core.Pipeline;

namespace SmsFunctions.App.Tests.Money;

/// <summary>
/// Faults injected into the Azure SDK's pipeline, one try at a time (the SDK's own retries see them as they would a
/// real failure): let a request reach storage and commit, then lose its answer; fail it before it is sent; or hold it
/// until the test lets go (a process that dies at that line, as far as storage can tell). Scripted by table and method.
/// </summary>
public sealed class StorageFaultPolicy : HttpPipelinePolicy, IDisposable
{
    private readonly object _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly CancellationTokenSource _release = new();
    private bool _disposed;

    public enum Fault
    {
        /// <summary>The request commits; its answer is lost (the SDK sees an IOException and retries).</summary>
        DropAnswerAfterCommit,

        /// <summary>The connection fails before the request is sent.</summary>
        FailBeforeSend,

        /// <summary>The request is never sent and never answered until <see cref="Dispose"/>.</summary>
        Hang,
    }

    /// <summary>Faults injected so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Requests that were held by <see cref="Fault.Hang"/>.</summary>
    public int Held { get; private set; }

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> writes (every method but GET) to
    /// <paramref name="table"/> (its name without the prefix, e.g. "Accounts"), or into those with <paramref name="probability"/>.</summary>
    public void Add(string table, Fault fault, int times = 1, double probability = 1.0, bool reads = false)
    {
        lock (_gate)
        {
            _rules.Add(new Rule(table, fault, times, probability, reads));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var fault = Pick(message.Request);
        switch (fault)
        {
            case Fault.FailBeforeSend:
                throw new IOException("Injected: the connection failed before the request was sent.");
            case Fault.Hang:
                lock (_gate) { Held++; }
                await Task.Delay(Timeout.Infinite, _release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                throw new IOException("Injected: the process holding this request died.");
            case Fault.DropAnswerAfterCommit:
                await ProcessNextAsync(message, pipeline);
                throw new IOException("Injected: the request committed and its answer was lost.");
            default:
                await ProcessNextAsync(message, pipeline);
                break;
        }
    }

    private Fault? Pick(Request request)
    {
        var path = request.Uri.Path;
        var isRead = request.Method == RequestMethod.Get;
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining <= 0 || isRead != rule.Reads || !Targets(path, rule.Table))
                {
                    continue;
                }

                if (rule.Probability < 1.0 && Random.Shared.NextDouble() >= rule.Probability)
                {
                    continue;
                }

                rule.Remaining--;
                Injected++;
                return rule.Fault;
            }
        }

        return null;
    }

    /// <summary>A table's requests go to <c>/{prefix}{Name}</c>, <c>/{prefix}{Name}(…)</c> or, for a batch, <c>/$batch</c> (never faulted).</summary>
    private static bool Targets(string path, string table)
    {
        // Azurite puts the account first: /devstoreaccount1/{table}(…).
        var segment = path.TrimEnd('/');
        var open = segment.IndexOf('(', StringComparison.Ordinal);
        if (open >= 0) { segment = segment[..open]; }
        var name = segment[(segment.LastIndexOf('/') + 1)..];
        return name.EndsWith(table, StringComparison.Ordinal);
    }

    /// <summary>Lets every held request go (it fails as if its connection broke, and the SDK retries it).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) { return; }
            _disposed = true;
            _rules.Clear();
        }

        _release.Cancel();
    }

    private sealed class Rule(string table, Fault fault, int times, double probability, bool reads)
    {
        public string Table { get; } = table;

        public Fault Fault { get; } = fault;

        public double Probability { get; } = probability;

        public bool Reads { get; } = reads;

        public int Remaining { get; set; } = times;
    }
}
