using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Callbacks;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>One webhook attempt is bounded by the client's resilience pipeline, over real HTTP.</summary>
public sealed class CallbackThrowerTimeoutTests
{
    [Fact]
    public async Task AnEndpointThatNeverAnswersCountsAsTimedOutAfterTheConfiguredSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync(ct).AsTask();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.Configure<CallbackOptions>(o => { o.TimeoutSeconds = 1; o.AllowPrivateNetworks = true; });
        services.AddHttpClient<CallbackThrower>(client => client.Timeout = Timeout.InfiniteTimeSpan).AddCallbackAttemptTimeout();
        await using var provider = services.BuildServiceProvider();
        var spec = new CallbackSpec(new Uri($"http://127.0.0.1:{port}/hook"), CallbackMethod.Json, "data", new Dictionary<string, string>(), null, 0);

        var clock = Stopwatch.StartNew();
        var (status, _, error, gone) = await provider.GetRequiredService<CallbackThrower>().SendAsync(spec, new JsonObject { ["id"] = "m1" }, "whsec_test", ct);

        Assert.Equal((null, "timed out", false), (status, error, gone));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        using var connection = await accepted; // the request did reach the endpoint
    }
}
