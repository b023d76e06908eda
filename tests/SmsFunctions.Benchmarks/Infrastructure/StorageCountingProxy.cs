using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using SmsFunctions.Storage.Emulator;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// A counting reverse proxy between the app and Azurite, one loopback port per service, so we can measure how many
/// storage operations the pipeline spends per delivered message without touching the app: the app's connection
/// string points at the proxy. Every HTTP request is one storage operation (an entity-group batch counts as one,
/// which is what it costs Azurite and Azure). Shared-key signatures cover path, query and x-ms headers but not the
/// host, so forwarding to another port keeps them valid.
/// </summary>
internal sealed class StorageCountingProxy : IAsyncDisposable
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

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private LoopbackListener? _tables;
    private int _reportedFailures;
    private LoopbackListener? _queues;

    /// <summary>Connection string that reaches Azurite through the proxy (blob goes straight to Azurite).</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<StorageCountingProxy> StartAsync(AzuriteEndpoints azurite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var proxy = new StorageCountingProxy();
        proxy._tables = await LoopbackListener.StartAsync(c => proxy.ForwardAsync(c, "table", azurite.TablePort), cancellationToken).ConfigureAwait(false);
        proxy._queues = await LoopbackListener.StartAsync(c => proxy.ForwardAsync(c, "queue", azurite.QueuePort), cancellationToken).ConfigureAwait(false);
        proxy.ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AzuriteEndpoints.DevelopmentAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{azurite.BlobPort}/devstoreaccount1;" +
            $"QueueEndpoint={proxy._queues.Origin}/devstoreaccount1;" +
            $"TableEndpoint={proxy._tables.Origin}/devstoreaccount1;";
        return proxy;
    }

    /// <summary>Checks that the proxy forwards faithfully (signatures stay valid, bodies and answers intact) with the
    /// same SDK calls the app makes, before the app is pointed at it. Its own operations are counted too; callers
    /// measure differences between snapshots.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken)
    {
        var queue = new Azure.Storage.Queues.QueueClient(ConnectionString, "bench-proxy-check",
            new Azure.Storage.Queues.QueueClientOptions(Azure.Storage.Queues.QueueClientOptions.ServiceVersion.V2025_11_05));
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _ = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync("check", cancellationToken).ConfigureAwait(false);
        var received = await queue.ReceiveMessagesAsync(1, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (received.Value.Length != 1 || received.Value[0].MessageText != "check")
        {
            throw new InvalidOperationException("The storage counting proxy does not forward queue messages intact.");
        }

        await queue.DeleteMessageAsync(received.Value[0].MessageId, received.Value[0].PopReceipt, cancellationToken).ConfigureAwait(false);
        var table = new Azure.Data.Tables.TableClient(ConnectionString, "benchproxycheck");
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(new Azure.Data.Tables.TableEntity("p", "r") { ["V"] = 1 }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await table.SubmitTransactionAsync([new Azure.Data.Tables.TableTransactionAction(Azure.Data.Tables.TableTransactionActionType.UpsertMerge,
            new Azure.Data.Tables.TableEntity("p", "r2") { ["V"] = 2 })], cancellationToken).ConfigureAwait(false);
        _ = await table.GetEntityAsync<Azure.Data.Tables.TableEntity>("p", "r", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts per operation kind since start (e.g. <c>table insert</c>, <c>queue receive (empty)</c>).</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, long> Difference(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(before);
        return after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal)
            .Where(kv => kv.Value != 0).ToDictionary(StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_tables is not null) { await _tables.DisposeAsync().ConfigureAwait(false); }
        if (_queues is not null) { await _queues.DisposeAsync().ConfigureAwait(false); }
        _http.Dispose();
    }

    private async Task ForwardAsync(HttpContext context, string service, int port)
    {
        var request = context.Request;
        // The raw request target, not Path: Kestrel decodes Path (%2B → +), and a re-encoded entity key would neither
        // match the shared-key signature nor, for '+', mean the same key.
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
            ?? $"{request.PathBase}{request.Path}{request.QueryString}";
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://127.0.0.1:{port}{target}", UriKind.Absolute));
        string? batchTable = null;
        if (service == "table" && request.Path.Value?.EndsWith("/$batch", StringComparison.Ordinal) == true)
        {
            // A batch names its table only inside the body: buffer it to tell which table the batch writes.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            var bytes = buffer.ToArray();
            batchTable = BatchTable(Encoding.UTF8.GetString(bytes));
            outgoing.Content = new ByteArrayContent(bytes);
        }
        else if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding") || request.ContentType is not null)
        {
            outgoing.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name)) { continue; }
            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _http.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (HopByHop.Contains(name)) { continue; }
            context.Response.Headers[name] = values.ToArray();
        }

        if ((int)response.StatusCode is 400 or >= 500 && Interlocked.Increment(ref _reportedFailures) <= 5)
        {
            // Rare and telling: a proxy that breaks requests would show up here first.
            Console.Error.WriteLine($"storage proxy: {request.Method} {request.Path}{request.QueryString} [{string.Join(", ", request.Headers.Select(h => h.Key + "=" + h.Value))}] → {(int)response.StatusCode}");
        }

        var kind = Classify(service, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "");
        if (batchTable is not null) { kind += " " + batchTable; }
        if (kind == "queue receive")
        {
            // Tell polls that found nothing apart from receives that fetched work: idle polling is a cost of its own.
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
            if (!Encoding.UTF8.GetString(body).Contains("<QueueMessage>", StringComparison.Ordinal)) { kind = "queue receive (empty)"; }
            Count(kind);
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        Count(kind);
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private void Count(string kind) => _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>The table an entity-group batch writes, from the first sub-request line of its multipart body.</summary>
    internal static string? BatchTable(string body)
    {
        var match = System.Text.RegularExpressions.Regex.Match(body, @"(?:POST|PUT|PATCH|MERGE|DELETE) https?://[^/\s]+/[^/\s]+/([A-Za-z0-9]+)");
        return match.Success ? Family(match.Groups[1].Value) : null;
    }

    /// <summary>The sixteen recipient tables (<c>…Recipients0</c> … <c>…Recipientsf</c>) count as one, <c>…Recipients*</c>.</summary>
    internal static string Family(string table) =>
        System.Text.RegularExpressions.Regex.IsMatch(table, "Recipients[0-9a-f]$") ? table[..^1] + "*" : table;

    /// <summary>Names an operation from its method and path (path-style: /devstoreaccount1/…), with the table it
    /// touches (e.g. <c>table merge SmsMessages</c>).</summary>
    internal static string Classify(string service, string method, string path, string query)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : "";
        if (service == "table")
        {
            if (resource == "$batch") { return "table batch"; }
            if (resource.StartsWith("Tables", StringComparison.Ordinal)) { return "table management"; }
            var isEntity = resource.Contains('(', StringComparison.Ordinal) && !resource.EndsWith("()", StringComparison.Ordinal);
            var table = Family(resource.Split('(')[0]);
            return (method switch
            {
                "GET" => isEntity ? "table point read" : "table query",
                "POST" => "table insert",
                "PUT" => "table upsert/replace",
                "PATCH" or "MERGE" => "table merge",
                "DELETE" => "table delete",
                _ => "table " + method,
            }) + " " + table;
        }

        var isMessages = segments.Length > 2 && segments[2] == "messages";
        if (!isMessages) { return "queue management"; }
        return method switch
        {
            "POST" => "queue send",
            "GET" => query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) ? "queue peek" : "queue receive",
            "DELETE" => segments.Length > 3 ? "queue delete" : "queue clear",
            "PUT" => "queue update",
            _ => "queue " + method,
        };
    }
}
