using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SmsFunctions.Storage.Emulator;

namespace SmsFunctions.Testing.Faults;

/// <summary>
/// A loopback HTTP proxy between the app and Azurite (tables and queues, one port each) that injects storage faults
/// by script: <c>proxy.Next(2, StorageMatch.Of("Accounts", StorageOperationKind.Merge), StorageFault.CommitThenDropAnswer)</c>
/// lets the next two merges on Accounts commit and then closes their connections without an answer;
/// <c>proxy.Sometimes(0.05, StorageMatch.Writes(), StorageFault.ServerBusy)</c> answers 503 to 5 % of all writes.
/// The first rule that takes a request decides; unscripted requests are forwarded untouched. Every fault is counted
/// (<see cref="Injected"/>). Shared-key and SAS signatures do not cover the host, so forwarding keeps them valid.
/// </summary>
public sealed class StorageFaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = 256,
    })
    { Timeout = TimeSpan.FromSeconds(100) };

    private readonly List<StorageFaultRule> _rules = [];
    private readonly ConcurrentDictionary<string, long> _injected = new(StringComparer.Ordinal);
    private readonly Random _random;
    private LoopbackListener? _tables;
    private LoopbackListener? _queues;
    private long _forwarded;

    private StorageFaultProxy(int seed) => _random = new Random(seed);

    /// <summary>Connection string that reaches Azurite through the proxy (blob goes straight to Azurite).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Requests forwarded untouched (or only delayed).</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Faults injected so far, by <c>"{fault} on {service} {kind} {table or queue family}"</c>.</summary>
    public IReadOnlyDictionary<string, long> Injected => new SortedDictionary<string, long>(_injected, StringComparer.Ordinal);

    /// <summary>All faults injected so far.</summary>
    public long InjectedTotal => _injected.Values.Sum();

    public static async Task<StorageFaultProxy> StartAsync(AzuriteEndpoints azurite, int seed = 11, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var proxy = new StorageFaultProxy(seed);
        proxy._tables = await LoopbackListener.StartAsync(c => proxy.HandleAsync(c, "table", azurite.TablePort), cancellationToken).ConfigureAwait(false);
        proxy._queues = await LoopbackListener.StartAsync(c => proxy.HandleAsync(c, "queue", azurite.QueuePort), cancellationToken).ConfigureAwait(false);
        proxy.ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AzuriteEndpoints.DevelopmentAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{azurite.BlobPort}/devstoreaccount1;" +
            $"QueueEndpoint={proxy._queues.Origin}/devstoreaccount1;" +
            $"TableEndpoint={proxy._tables.Origin}/devstoreaccount1;";
        return proxy;
    }

    /// <summary>The next <paramref name="count"/> requests that match get <paramref name="fault"/>.</summary>
    public StorageFaultRule Next(int count, Func<StorageOperation, bool> matches, StorageFault fault, string? description = null)
        => Add(new StorageFaultRule(description ?? $"next {count}", matches, fault, 1.0, count));

    /// <summary>Each matching request gets <paramref name="fault"/> with <paramref name="probability"/>, at most
    /// <paramref name="limit"/> times.</summary>
    public StorageFaultRule Sometimes(double probability, Func<StorageOperation, bool> matches, StorageFault fault, int limit = int.MaxValue, string? description = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1.0);
        return Add(new StorageFaultRule(description ?? $"{probability:P0} of matching", matches, fault, probability, limit));
    }

    /// <summary>Stops every rule; requests are forwarded untouched from now on.</summary>
    public void ClearRules()
    {
        lock (_rules) { _rules.Clear(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (_tables is not null) { await _tables.DisposeAsync().ConfigureAwait(false); }
        if (_queues is not null) { await _queues.DisposeAsync().ConfigureAwait(false); }
        _http.Dispose();
    }

    private StorageFaultRule Add(StorageFaultRule rule)
    {
        lock (_rules) { _rules.Add(rule); }
        return rule;
    }

    private StorageFault? Pick(StorageOperation operation)
    {
        StorageFaultRule[] rules;
        lock (_rules) { rules = [.. _rules]; }
        foreach (var rule in rules)
        {
            bool taken;
            lock (_random) { taken = rule.TryTake(operation, _random); }
            if (taken) { return rule.Fault; }
        }

        return null;
    }

    private async Task HandleAsync(HttpContext context, string service, int port)
    {
        var request = context.Request;
        // The raw request target, not Path: Kestrel decodes Path (%2B → +), and a re-encoded entity key would neither
        // match the signature nor, for '+', mean the same key.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.PathBase}{request.Path}{request.QueryString}";
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        var path = request.Path.Value ?? "";
        var operation = StorageOperation.Classify(service, request.Method, path, request.QueryString.Value ?? "",
            path.EndsWith("/$batch", StringComparison.Ordinal) ? Encoding.UTF8.GetString(body) : null);

        var fault = Pick(operation);
        if (fault is not null) { Count(fault, operation); }

        switch (fault?.Kind)
        {
            case StorageFaultKind.Status:
                context.Response.StatusCode = fault.Status;
                context.Response.Headers["x-ms-error-code"] = fault.Status == 503 ? "ServerBusy" : "InternalError";
                return;
            case StorageFaultKind.Reset:
                Reset(context);
                return;
            case StorageFaultKind.Delay:
                await Task.Delay(fault.Delay, context.RequestAborted).ConfigureAwait(false);
                break;
        }

        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://127.0.0.1:{port}{target}", UriKind.Absolute));
        if (body.Length > 0 || request.ContentType is not null) { outgoing.Content = new ByteArrayContent(body); }
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name)) { continue; }
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // Not cancelled by the client going away: a request that reached storage runs to its end, as it would in Azure.
        using var response = await _http.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(CancellationToken.None).ConfigureAwait(false);
        if (fault?.Kind is StorageFaultKind.CommitThenDropAnswer)
        {
            context.Abort();
            return;
        }

        if (fault?.Kind is StorageFaultKind.CommitThenReset)
        {
            Reset(context);
            return;
        }

        Interlocked.Increment(ref _forwarded);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (HopByHop.Contains(name)) { continue; }
            context.Response.Headers[name] = values.ToArray();
        }

        // Kestrel refuses any body write on a 204 or 304, even an empty one (the connection would be dropped: an
        // unscripted fault).
        if (answer.Length > 0 && context.Response.StatusCode is not (204 or 304))
        {
            await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>RST instead of an answer: a zero linger time makes closing the socket reset the connection.</summary>
    private static void Reset(HttpContext context)
    {
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try { socket.LingerState = new LingerOption(true, 0); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }

        context.Abort();
    }

    private void Count(StorageFault fault, StorageOperation operation)
    {
        // Without the table prefix (lower case, before the capitalised name), the recipient tables as one family.
        var resource = operation.Service == "table" && operation.Touches("Recipients") ? "Recipients*"
            : operation.Service == "table" ? operation.Resource.TrimStart("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()) : operation.Resource;
        _injected.AddOrUpdate($"{fault} on {operation.Service} {operation.Kind} {resource}", 1, (_, n) => n + 1);
    }
}
