using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmsFunctions.Testing;

/// <summary>One request received by a <see cref="WebhookListener"/>.</summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset At,
    int AnsweredStatus);

/// <summary>
/// A loopback HTTP server (Kestrel on <c>http://127.0.0.1:0</c>) standing in for a customer's webhook or a carrier's
/// callback target: it records every request and answers with the next status from <see cref="EnqueueStatuses"/>,
/// or <see cref="DefaultStatus"/>. Tests synchronise on <see cref="WaitForAsync"/>, never on sleeps.
/// </summary>
public sealed class WebhookListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private readonly ConcurrentQueue<int> _statuses = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebhookListener(WebApplication app)
    {
        _app = app;
        app.Run(RecordAsync);
    }

    /// <summary>Where the listener listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The status answered when no queued status is left. 200 unless set.</summary>
    public int DefaultStatus { get; set; } = StatusCodes.Status200OK;

    /// <summary>How long each request is held before it is answered (a slow receiver).</summary>
    public TimeSpan ResponseDelay { get; set; } = TimeSpan.Zero;

    private int _inFlight;
    private int _mostInFlight;

    /// <summary>The most requests this listener held open at once.</summary>
    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) { return [.. _requests]; } }
    }

    public static Task<WebhookListener> StartAsync(CancellationToken cancellationToken = default) => StartAsync(0, cancellationToken);

    /// <summary>Starts on <paramref name="port"/> (0: any free port), e.g. again on the port of a receiver that was
    /// stopped to simulate an outage.</summary>
    public static async Task<WebhookListener> StartAsync(int port, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var listener = new WebhookListener(builder.Build());
        await listener._app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = listener._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return listener;
    }

    /// <summary>The next requests are answered with these statuses, in order; then <see cref="DefaultStatus"/>.</summary>
    public void EnqueueStatuses(params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (var status in statuses) { _statuses.Enqueue(status); }
    }

    /// <summary>Waits until <paramref name="count"/> recorded requests match, and returns them (the first
    /// <paramref name="count"/> matches in arrival order). Throws <see cref="TimeoutException"/> listing what arrived.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForAsync(
        Func<RecordedRequest, bool> predicate, int count = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            List<RecordedRequest> matches;
            lock (_requests)
            {
                changed = _changed.Task;
                matches = _requests.Where(predicate).Take(count).ToList();
            }

            if (matches.Count >= count)
            {
                return matches;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var seen = string.Join(Environment.NewLine, Requests.Select(r => $"  {r.At:HH:mm:ss.fff} {r.Method} {r.Path}{r.QueryString} → {r.AnsweredStatus}"));
                throw new TimeoutException(
                    $"Expected {count} matching request(s) within {timeout ?? TimeSpan.FromSeconds(10)}, got {matches.Count}. Received:{Environment.NewLine}{seen}");
            }
        }
    }

    private async Task RecordAsync(HttpContext context)
    {
        var open = Interlocked.Increment(ref _inFlight);
        try
        {
            int most;
            while (open > (most = Volatile.Read(ref _mostInFlight)) && Interlocked.CompareExchange(ref _mostInFlight, open, most) != most) { }
            if (ResponseDelay > TimeSpan.Zero) { await Task.Delay(ResponseDelay, context.RequestAborted).ConfigureAwait(false); }
            await RecordCoreAsync(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task RecordCoreAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var status = _statuses.TryDequeue(out var queued) ? queued : DefaultStatus;
        var recorded = new RecordedRequest(
            request.Method,
            request.Path.Value ?? "",
            request.QueryString.Value ?? "",
            request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            DateTimeOffset.UtcNow,
            status);

        TaskCompletionSource changed;
        lock (_requests)
        {
            _requests.Add(recorded);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
