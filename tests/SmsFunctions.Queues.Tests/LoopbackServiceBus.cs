using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmsFunctions.Queues.Tests;

internal sealed record RecordedRequest(string RequestLine, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the fake answers: a status and optional headers; <c>Hang</c> never answers (until the client gives up).</summary>
internal sealed record ScriptedResponse(int Status, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null, bool Hang = false)
{
    public static ScriptedResponse Created { get; } = new(201);
}

/// <summary>A Kestrel listener on 127.0.0.1:{free port} standing in for a Service Bus namespace. It records every
/// request and answers from a script (by request number, 1-based); unscripted requests get 201.</summary>
internal sealed class LoopbackServiceBus : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _count;

    private LoopbackServiceBus(WebApplication app) => _app = app;

    public Func<int, ScriptedResponse> Script { get; set; } = _ => ScriptedResponse.Created;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<LoopbackServiceBus> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServiceBus(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new RecordedRequest($"{request.Method} {request.Path}{request.QueryString} {request.Protocol}", headers, body));
        var answer = Script(Interlocked.Increment(ref _count));
        if (answer.Hang)
        {
            var never = new TaskCompletionSource();
            using (context.RequestAborted.Register(() => never.TrySetResult()))
            {
                await never.Task;
            }
            return;
        }
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (answer.Body is not null)
        {
            await context.Response.WriteAsync(answer.Body, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
