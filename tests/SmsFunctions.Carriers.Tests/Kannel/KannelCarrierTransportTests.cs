using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Testing;

namespace SmsFunctions.Carriers.Tests.Kannel;

/// <summary>The Kannel carrier against things that are not Kannel: nobody listening, a slow server, no receipt URL.</summary>
public sealed class KannelCarrierTransportTests
{
    private static ServiceProvider Services(Uri sendSmsUrl, Uri? receiptBaseUrl, int timeoutSeconds = 10, HttpMessageHandler? primary = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDeliveryReceiptSink, RecordingReceiptSink>();
        services.AddCarriers(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Carriers:Kannel:SendSmsUrl"] = sendSmsUrl.ToString(),
            ["Sms:Carriers:Kannel:Username"] = "sms",
            ["Sms:Carriers:Kannel:Password"] = "pw",
            ["Sms:Carriers:Kannel:ReceiptSecret"] = "0123456789abcdef0123",
            ["Sms:Carriers:Kannel:ReceiptBaseUrl"] = receiptBaseUrl?.ToString(),
            ["Sms:Carriers:Kannel:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build());
        if (primary is not null)
        {
            services.AddHttpClient(KannelCarrier.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => primary);
        }
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task ConnectionRefusedIsTransient()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var provider = Services(new Uri($"http://127.0.0.1:{port}/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"));

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.TransientError, result.Outcome);
        Assert.Contains("ConnectionError", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoAnswerAfterSendingIsUnknownNotTransientSoItIsNeverResent()
    {
        // A "Kannel" that takes the request and never answers: it may have queued the SMS.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask();
        await using var provider = Services(new Uri($"http://127.0.0.1:{port}/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"), timeoutSeconds: 1);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Unknown, result.Outcome);
        Assert.Contains("may have been accepted", result.Reason, StringComparison.Ordinal);
        using var connection = await accepted;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARequestTakenOnAKeptAliveConnectionThatClosesUnansweredIsUnknownAndNeverSentAgain(bool stillListening)
    {
        // Found in the Kannel-outage scenario: smsbox, stopping, read a sendsms on a kept-alive connection, passed the
        // SMS on and closed the connection without an answer. .NET then re-sends such a request on a new connection
        // by itself: refused (Kannel down) it was recorded "never reached Kannel", failed and refunded though the SMS
        // went out; accepted (Kannel still up), it would have been sent twice.
        var ct = TestContext.Current.CancellationToken;
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var requests = 0;
        var serving = Task.Run(async () =>
        {
            using (var kept = await server.AcceptTcpClientAsync(ct))
            {
                var stream = kept.GetStream();
                Assert.True(await ReadRequestAsync(stream, ct));
                Interlocked.Increment(ref requests);
                await stream.WriteAsync("HTTP/1.1 202 Accepted\r\nContent-Length: 24\r\n\r\n0: Accepted for delivery"u8.ToArray(), ct);
                Assert.True(await ReadRequestAsync(stream, ct));
                Interlocked.Increment(ref requests); // taken, then the connection closes unanswered
            }

            if (!stillListening)
            {
                server.Stop();
                return;
            }

            while (true)
            {
                using var next = await server.AcceptTcpClientAsync(ct);
                var stream = next.GetStream();
                try
                {
                    if (!await ReadRequestAsync(stream, ct)) { continue; } // a connection opened and closed without a request
                }
                catch (IOException)
                {
                    continue; // or reset without one
                }

                Interlocked.Increment(ref requests);
                await stream.WriteAsync("HTTP/1.1 202 Accepted\r\nContent-Length: 24\r\nConnection: close\r\n\r\n0: Accepted for delivery"u8.ToArray(), ct);
            }
        }, ct);
        await using var provider = Services(new Uri($"http://127.0.0.1:{port}/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"), timeoutSeconds: 5);
        var carrier = provider.GetRequiredService<KannelCarrier>();

        var first = await carrier.SubmitAsync(Submissions.To("+393331234567"), ct);
        var second = await carrier.SubmitAsync(Submissions.To("+393331234568"), ct);
        await Task.Delay(TimeSpan.FromMilliseconds(200), ct); // a re-send, if any, has arrived by now

        Assert.Equal(CarrierSubmitOutcome.Accepted, first.Outcome);
        Assert.Equal(CarrierSubmitOutcome.Unknown, second.Outcome);
        Assert.Equal(2, Volatile.Read(ref requests));
        Assert.False(serving.IsFaulted, serving.Exception?.ToString());
    }

    private static async Task<bool> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        // A GET without a body: the request ends with an empty line.
        var seen = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, ct) == 1)
        {
            seen.Add(one[0]);
            if (seen.Count >= 4 && seen[^1] == '\n' && seen[^2] == '\r' && seen[^3] == '\n' && seen[^4] == '\r') { return true; }
        }

        return false;
    }

    [Fact]
    public async Task AnswersAreMappedFromTheWire()
    {
        await using var fake = await WebhookListener.StartAsync(TestContext.Current.CancellationToken);
        fake.EnqueueStatuses(503, 400);
        await using var provider = Services(new Uri(fake.BaseUrl, "cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"));
        var carrier = provider.GetRequiredService<KannelCarrier>();

        var throttled = await carrier.SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);
        var rejected = await carrier.SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal((CarrierSubmitOutcome.Throttled, CarrierSubmitOutcome.Rejected), (throttled.Outcome, rejected.Outcome));
        var sent = (await fake.WaitForAsync(_ => true, 2, cancellationToken: TestContext.Current.CancellationToken))[0];
        Assert.Equal("GET", sent.Method);
        Assert.Equal("+393331234567", sent.Query["to"]);
        Assert.Contains("to=%2B393331234567", sent.QueryString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnyReceiptUrlTheSubmitIsTransientAndNothingIsSent()
    {
        await using var fake = await WebhookListener.StartAsync(TestContext.Current.CancellationToken);
        await using var provider = Services(new Uri(fake.BaseUrl, "cgi-bin/sendsms"), receiptBaseUrl: null);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.TransientError, result.Outcome);
        Assert.Contains("ReceiptBaseUrl", result.Reason, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task ARequestThatNeverReachedKannelIsRetriedByTheClientsResiliencePipeline()
    {
        using var handler = new ScriptedHandler(n => n == 1
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")
            : new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent("0: Accepted for delivery") });
        await using var provider = Services(new Uri("http://kannel.invalid/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"), primary: handler);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Accepted, result.Outcome);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task AConnectionThatStaysRefusedIsTriedConnectRetriesMoreTimesThenTransient()
    {
        using var handler = new ScriptedHandler(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        await using var provider = Services(new Uri("http://kannel.invalid/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"), primary: handler);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.TransientError, result.Outcome);
        Assert.Equal(KannelCarrier.ConnectRetries + 1, handler.Calls);
    }

    [Fact]
    public async Task AnAnswerLostAfterSendingIsNeverRetriedSinceKannelMayHaveTheSms()
    {
        using var handler = new ScriptedHandler(_ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "the server closed the connection"));
        await using var provider = Services(new Uri("http://kannel.invalid/cgi-bin/sendsms"), new Uri("http://127.0.0.1:7071/"), primary: handler);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Unknown, result.Outcome);
        Assert.Equal(1, handler.Calls);
    }

    private sealed class ScriptedHandler(Func<int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(Interlocked.Increment(ref _calls)));
    }
}
