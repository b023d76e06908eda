using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Queues.ServiceBus;

namespace SmsFunctions.Queues.Tests;

public sealed class ServiceBusRestSenderTests : IAsyncLifetime
{
    private const string Queue = QueueNames.DispatchHigh;
    private LoopbackServiceBus _bus = null!;
    private readonly HttpClient _http = new();
    private readonly RecordingTimeProvider _time = new();
    private readonly FakeTokenCredential _credential = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _bus = await LoopbackServiceBus.StartAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _bus.DisposeAsync();
    }

    private ServiceBusRestSender CreateSender(Action<ServiceBusTransportOptions>? configure = null, TimeProvider? time = null, Azure.Core.TokenCredential? credential = null)
    {
        var options = new ServiceBusTransportOptions { FullyQualifiedNamespace = "unused.servicebus.windows.net", EndpointOverride = _bus.BaseAddress };
        configure?.Invoke(options);
        return new ServiceBusRestSender(_http, credential ?? _credential, Options.Create(options), time ?? _time);
    }

    [Fact]
    public async Task Single_send_posts_the_body_with_bearer_token_and_broker_properties()
    {
        using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("msg-1", """{"batch":"b1","n":"è"}""", CorrelationId: "corr-9"), Ct);

        var request = Assert.Single(_bus.Requests);
        Assert.Equal("POST /sms-dispatch-high/messages HTTP/1.1", request.RequestLine);
        Assert.Equal("Bearer fake-token-1", request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("""{"batch":"b1","n":"è"}""", request.Body);
        Assert.Equal("""{"MessageId":"msg-1","CorrelationId":"corr-9"}""", request.Header("BrokerProperties"));
        Assert.Equal(["https://servicebus.azure.net/.default"], Assert.Single(_credential.Scopes));
    }

    [Fact]
    public async Task Plain_text_body_goes_as_text_plain_and_absent_properties_are_omitted()
    {
        using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("m", "just text"), Ct);

        var request = Assert.Single(_bus.Requests);
        Assert.Equal("text/plain; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("""{"MessageId":"m"}""", request.Header("BrokerProperties"));
    }

    [Fact]
    public async Task Delayed_send_sets_ScheduledEnqueueTimeUtc_in_RFC_1123_rounded_up_to_the_second()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 49, 37, 250, TimeSpan.Zero));
        using var sender = CreateSender(time: clock, credential: new FakeTokenCredential(clock, TimeSpan.FromHours(1)));

        await sender.SendAsync(Queue, new OutgoingQueueMessage("later", "{}", Delay: TimeSpan.FromMinutes(10)), Ct);

        var properties = JsonDocument.Parse(Assert.Single(_bus.Requests).Header("BrokerProperties")!).RootElement;
        Assert.Equal("later", properties.GetProperty("MessageId").GetString());
        Assert.Equal("Sun, 01 Mar 2026 08:59:38 GMT", properties.GetProperty("ScheduledEnqueueTimeUtc").GetString());
    }

    [Fact]
    public async Task Non_ascii_ids_are_escaped_in_the_header()
    {
        using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("id-è", "x"), Ct);

        var header = Assert.Single(_bus.Requests).Header("BrokerProperties")!;
        Assert.True(header.All(char.IsAscii), header);
        Assert.Equal("id-è", JsonDocument.Parse(header).RootElement.GetProperty("MessageId").GetString());
    }

    [Fact]
    public async Task Batch_send_posts_a_json_array_with_the_servicebus_content_type()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(1994, 11, 6, 8, 49, 0, TimeSpan.Zero));
        using var sender = CreateSender(time: clock, credential: new FakeTokenCredential(clock, TimeSpan.FromHours(1)));
        OutgoingQueueMessage[] messages =
        [
            new("a", """{"k":1}"""),
            new("b", "ciao è già", Delay: TimeSpan.FromSeconds(37), CorrelationId: "c"),
            new("c", "three"),
        ];

        await sender.SendBatchAsync(Queue, messages, Ct);

        var request = Assert.Single(_bus.Requests);
        Assert.Equal("POST /sms-dispatch-high/messages HTTP/1.1", request.RequestLine);
        Assert.Equal("application/vnd.microsoft.servicebus.json", request.Header("Content-Type"));
        Assert.Equal("Bearer fake-token-1", request.Header("Authorization"));
        Assert.Null(request.Header("BrokerProperties"));
        Assert.Equal(
            """[{"Body":"{\"k\":1}","BrokerProperties":{"MessageId":"a"}},{"Body":"ciao è già","BrokerProperties":{"MessageId":"b","CorrelationId":"c","ScheduledEnqueueTimeUtc":"Sun, 06 Nov 1994 08:49:37 GMT"}},{"Body":"three","BrokerProperties":{"MessageId":"c"}}]""",
            request.Body);
    }

    [Fact]
    public async Task Prior_deliveries_travel_as_an_application_property_header_on_a_single_send()
    {
        using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("m~r1", "x", TimeSpan.FromSeconds(10)) { PriorDeliveries = 3 }, Ct);
        await sender.SendAsync(Queue, new OutgoingQueueMessage("fresh", "x"), Ct);

        var requests = _bus.Requests;
        Assert.Equal("3", requests[0].Header(QueueMessageProperties.PriorDeliveries));
        Assert.Null(requests[1].Header(QueueMessageProperties.PriorDeliveries));
    }

    [Fact]
    public async Task Prior_deliveries_travel_as_UserProperties_in_a_batch()
    {
        using var sender = CreateSender();

        await sender.SendBatchAsync(Queue, [new("a", "x") { PriorDeliveries = 2 }, new("b", "y")], Ct);

        using var body = JsonDocument.Parse(Assert.Single(_bus.Requests).Body);
        Assert.Equal(2, body.RootElement[0].GetProperty("UserProperties").GetProperty(QueueMessageProperties.PriorDeliveries).GetInt32());
        Assert.False(body.RootElement[1].TryGetProperty("UserProperties", out _));
    }

    [Fact]
    public async Task Batch_of_250_is_split_into_requests_of_at_most_100()
    {
        using var sender = CreateSender();
        var messages = Enumerable.Range(0, 250).Select(i => new OutgoingQueueMessage($"m{i}", $"body {i}")).ToList();

        await sender.SendBatchAsync(Queue, messages, Ct);

        var batches = _bus.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray().ToList()).ToList();
        Assert.Equal([100, 100, 50], batches.Select(b => b.Count));
        Assert.Equal(messages.Select(m => m.Id), batches.SelectMany(b => b).Select(e => e.GetProperty("BrokerProperties").GetProperty("MessageId").GetString()));
    }

    [Fact]
    public async Task Batch_is_split_to_stay_under_the_byte_limit()
    {
        using var sender = CreateSender();
        var messages = Enumerable.Range(0, 10).Select(i => new OutgoingQueueMessage($"m{i}", new string((char)('a' + i), 60 * 1024))).ToList();

        await sender.SendBatchAsync(Queue, messages, Ct);

        var requests = _bus.Requests;
        Assert.True(requests.Count >= 4, $"{requests.Count} requests");
        Assert.All(requests, r => Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Body) <= 240 * 1024, $"{r.Body.Length} bytes"));
        var bodies = requests.SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray()).Select(e => e.GetProperty("Body").GetString());
        Assert.Equal(messages.Select(m => m.Body), bodies);
    }

    [Fact]
    public async Task Retries_503_with_backoff_then_succeeds()
    {
        _bus.Script = n => n <= 2 ? new ScriptedResponse(503) : ScriptedResponse.Created;
        using var sender = CreateSender(o => o.BaseRetryDelay = TimeSpan.FromSeconds(1));

        await sender.SendAsync(Queue, new OutgoingQueueMessage("r", "x"), Ct);

        Assert.Equal(3, _bus.Requests.Count);
        Assert.All(_bus.Requests, r => Assert.Equal("""{"MessageId":"r"}""", r.Header("BrokerProperties")));
        var delays = _time.Delays.ToArray();
        Assert.Equal(2, delays.Length);
        Assert.InRange(delays[0], TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2));
        Assert.InRange(delays[1], TimeSpan.FromSeconds(1.6), TimeSpan.FromSeconds(2.4));
    }

    [Fact]
    public async Task Honours_Retry_After_on_429()
    {
        _bus.Script = n => n == 1 ? new ScriptedResponse(429, new Dictionary<string, string> { ["Retry-After"] = "7" }) : ScriptedResponse.Created;
        using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("t", "x"), Ct);

        Assert.Equal(2, _bus.Requests.Count);
        Assert.Equal([TimeSpan.FromSeconds(7)], _time.Delays);
    }

    [Fact]
    public async Task Retry_After_is_bounded_by_MaxRetryDelay()
    {
        _bus.Script = n => n == 1 ? new ScriptedResponse(429, new Dictionary<string, string> { ["Retry-After"] = "3600" }) : ScriptedResponse.Created;
        using var sender = CreateSender(o => o.MaxRetryDelay = TimeSpan.FromSeconds(20));

        await sender.SendAsync(Queue, new OutgoingQueueMessage("t", "x"), Ct);

        Assert.Equal([TimeSpan.FromSeconds(20)], _time.Delays);
    }

    [Fact]
    public async Task A_request_that_times_out_is_retried()
    {
        _bus.Script = n => n == 1 ? new ScriptedResponse(0, Hang: true) : ScriptedResponse.Created;
        using var sender = CreateSender(o => o.AttemptTimeout = TimeSpan.FromMilliseconds(300));

        await sender.SendAsync(Queue, new OutgoingQueueMessage("slow", "x"), Ct);

        Assert.Equal(2, _bus.Requests.Count);
    }

    [Fact]
    public async Task Gives_up_after_MaxAttempts_with_a_transient_ServiceBusSendException()
    {
        _bus.Script = _ => new ScriptedResponse(503);
        using var sender = CreateSender();

        var ex = await Assert.ThrowsAsync<ServiceBusSendException>(() => sender.SendAsync(Queue, new OutgoingQueueMessage("x", "x"), Ct));

        Assert.Equal(4, _bus.Requests.Count);
        Assert.Equal(4, ex.Attempts);
        Assert.True(ex.IsTransient);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, _time.Delays.Count);
    }

    [Theory]
    [InlineData(401, "Azure Service Bus Data Sender")]
    [InlineData(403, "Azure Service Bus Data Sender")]
    [InlineData(404, "does not exist")]
    [InlineData(410, "gone")]
    [InlineData(400, "malformed")]
    [InlineData(413, "too large")]
    public async Task Permanent_failures_are_not_retried_and_explain_themselves(int status, string explanation)
    {
        _bus.Script = _ => new ScriptedResponse(status, Body: "<Error><Code>" + status + "</Code><Detail>from the fake</Detail></Error>");
        using var sender = CreateSender();

        var ex = await Assert.ThrowsAsync<ServiceBusSendException>(() => sender.SendAsync(Queue, new OutgoingQueueMessage("x", "x"), Ct));

        Assert.Single(_bus.Requests);
        Assert.Empty(_time.Delays);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Equal(Queue, ex.QueueName);
        Assert.Contains(explanation, ex.Message, StringComparison.Ordinal);
        Assert.Contains("sms-dispatch-high", ex.Message, StringComparison.Ordinal);
        Assert.Contains("from the fake", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_is_cached_across_sends_and_refreshed_shortly_before_expiry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var credential = new FakeTokenCredential(clock, TimeSpan.FromHours(1));
        using var sender = CreateSender(time: clock, credential: credential);

        await sender.SendAsync(Queue, new OutgoingQueueMessage("1", "x"), Ct);
        await sender.SendBatchAsync(Queue, [new("2", "x"), new("3", "y")], Ct);
        clock.Advance(TimeSpan.FromMinutes(54));
        await sender.SendAsync(Queue, new OutgoingQueueMessage("4", "x"), Ct);
        Assert.Equal(1, credential.Calls);

        clock.Advance(TimeSpan.FromMinutes(2)); // now within 5 minutes of expiry
        await sender.SendAsync(Queue, new OutgoingQueueMessage("5", "x"), Ct);

        Assert.Equal(2, credential.Calls);
        Assert.Equal(["Bearer fake-token-1", "Bearer fake-token-1", "Bearer fake-token-1", "Bearer fake-token-2"], _bus.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task A_401_drops_the_cached_token()
    {
        _bus.Script = n => n == 1 ? new ScriptedResponse(401) : ScriptedResponse.Created;
        using var sender = CreateSender();

        await Assert.ThrowsAsync<ServiceBusSendException>(() => sender.SendAsync(Queue, new OutgoingQueueMessage("1", "x"), Ct));
        await sender.SendAsync(Queue, new OutgoingQueueMessage("2", "x"), Ct);

        Assert.Equal(["Bearer fake-token-1", "Bearer fake-token-2"], _bus.Requests.Select(r => r.Header("Authorization")));
    }

    [Theory]
    [InlineData("mybus", "mybus.servicebus.windows.net")]
    [InlineData("mybus.servicebus.windows.net", "mybus.servicebus.windows.net")]
    [InlineData("https://mybus.servicebus.windows.net/", "mybus.servicebus.windows.net")]
    [InlineData("sb://mybus.servicebus.windows.net/", "mybus.servicebus.windows.net")]
    public void Namespace_is_normalised_to_a_host_name(string configured, string expected)
    {
        Assert.Equal(expected, ServiceBusTransportOptions.NormalizeNamespace(configured));
        Assert.Equal(new Uri($"https://{expected}/"), new ServiceBusTransportOptions { FullyQualifiedNamespace = configured }.GetBaseAddress());
    }
}
