using Microsoft.Extensions.Options;
using SmsFunctions.Queues.DeadLetters;
using SmsFunctions.Queues.ServiceBus;

namespace SmsFunctions.Queues.Tests;

/// <summary>The broker's dead-letter queue through the documented REST wire format (peek-lock on
/// <c>{queue}/$DeadLetterQueue/messages/head</c>, 201 + BrokerProperties + Location, 204 when empty; DELETE completes,
/// PUT unlocks; the count from the queue's Atom description), against a loopback stand-in for the namespace.</summary>
public sealed class ServiceBusDeadLetterQueueTests : IAsyncLifetime
{
    private const string Queue = QueueNames.Callbacks;
    private LoopbackServiceBus _bus = null!;
    private readonly HttpClient _http = new();
    private readonly FakeTokenCredential _credential = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _bus = await LoopbackServiceBus.StartAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _bus.DisposeAsync();
    }

    private (ServiceBusDeadLetterQueue Dlq, ServiceBusRestSender Sender) Create()
    {
        var options = Options.Create(new ServiceBusTransportOptions { FullyQualifiedNamespace = "unused.servicebus.windows.net", EndpointOverride = _bus.BaseAddress, MaxAttempts = 1 });
        var sender = new ServiceBusRestSender(_http, _credential, options);
        return (new ServiceBusDeadLetterQueue(_http, sender, options), sender);
    }

    private ScriptedResponse Locked(string messageId, long sequence, string body) => new(201, new Dictionary<string, string>
    {
        ["BrokerProperties"] = $$"""{"DeliveryCount":10,"EnqueuedTimeUtc":"Sun, 06 Nov 1994 08:49:37 GMT","LockToken":"lt-{{sequence}}","MessageId":"{{messageId}}","SequenceNumber":{{sequence}},"CorrelationId":"corr-{{sequence}}"}""",
        ["Location"] = new Uri(_bus.BaseAddress, $"{Queue}/$DeadLetterQueue/messages/{sequence}/lt-{sequence}").AbsoluteUri,
        ["DeadLetterReason"] = "\"MaxDeliveryCountExceeded\"",
        ["DeadLetterErrorDescription"] = "\"Message could not be consumed after 10 delivery attempts.\"",
        ["Content-Type"] = "application/json",
    }, body);

    [Fact]
    public async Task Replay_locks_each_dead_letter_sends_it_back_under_a_derived_id_and_completes_it()
    {
        var (dlq, sender) = Create();
        using var _ = sender;
        _bus.Script = n => n switch
        {
            1 => Locked("cb-1", 31, """{"a":1}"""),
            2 => ScriptedResponse.Created,        // the send to the queue
            3 => new ScriptedResponse(200),       // DELETE: complete
            _ => new ScriptedResponse(204),       // dead-letter queue empty
        };

        var result = await dlq.ReplayAsync(Queue, 10, sender, Ct);

        Assert.Equal(new DeadLetterReplay(1, 0), result);
        var requests = _bus.Requests;
        Assert.Equal(
            [
                "POST /sms-callbacks/$DeadLetterQueue/messages/head?timeout=1 HTTP/1.1",
                "POST /sms-callbacks/messages HTTP/1.1",
                "DELETE /sms-callbacks/$DeadLetterQueue/messages/31/lt-31 HTTP/1.1",
                "POST /sms-callbacks/$DeadLetterQueue/messages/head?timeout=1 HTTP/1.1",
            ],
            requests.Select(r => r.RequestLine));
        Assert.All(requests, r => Assert.Equal("Bearer fake-token-1", r.Header("Authorization")));
        Assert.Equal("""{"a":1}""", requests[1].Body);
        Assert.Equal("""{"MessageId":"cb-1~d31","CorrelationId":"corr-31"}""", requests[1].Header("BrokerProperties"));
    }

    [Fact]
    public async Task A_failed_send_unlocks_the_dead_letter_and_stops()
    {
        var (dlq, sender) = Create();
        using var _ = sender;
        _bus.Script = n => n switch
        {
            1 => Locked("cb-1", 31, "x"),
            2 => new ScriptedResponse(403),       // the send is refused
            _ => new ScriptedResponse(200),       // PUT: unlock
        };

        var result = await dlq.ReplayAsync(Queue, 10, sender, Ct);

        Assert.Equal(new DeadLetterReplay(0, 1), result);
        Assert.Equal("PUT /sms-callbacks/$DeadLetterQueue/messages/31/lt-31 HTTP/1.1", _bus.Requests[^1].RequestLine);
        Assert.Equal(3, _bus.Requests.Count);
    }

    [Fact]
    public async Task Peek_lists_with_the_brokers_reason_and_unlocks_everything_it_locked()
    {
        var (dlq, sender) = Create();
        using var _ = sender;
        _bus.Script = n => n switch
        {
            1 => Locked("cb-1", 31, "one"),
            2 => Locked("cb-2", 32, "two"),
            _ => new ScriptedResponse(200),
        };

        var letters = await dlq.PeekAsync(Queue, 2, Ct);

        Assert.Equal(["cb-1", "cb-2"], letters.Select(l => l.Id));
        Assert.Equal(("one", 10, DeadLetterSources.ServiceBus), (letters[0].Body, letters[0].DeliveryCount, letters[0].Source));
        Assert.Equal("MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.", letters[0].Reason);
        Assert.Equal(new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), letters[0].DeadLetteredAt);
        Assert.Equal(
            ["PUT /sms-callbacks/$DeadLetterQueue/messages/31/lt-31 HTTP/1.1", "PUT /sms-callbacks/$DeadLetterQueue/messages/32/lt-32 HTTP/1.1"],
            _bus.Requests.Skip(2).Select(r => r.RequestLine));
    }

    [Fact]
    public async Task The_count_is_read_from_the_queue_description_and_is_unknown_without_the_manage_right()
    {
        var (dlq, sender) = Create();
        using var _ = sender;
        const string Description = """
            <entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml">
              <QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
                <MaxDeliveryCount>10</MaxDeliveryCount>
                <CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus">
                  <d2p1:ActiveMessageCount>4</d2p1:ActiveMessageCount>
                  <d2p1:DeadLetterMessageCount>7</d2p1:DeadLetterMessageCount>
                </CountDetails>
              </QueueDescription>
            </content></entry>
            """;
        _bus.Script = n => n == 1 ? new ScriptedResponse(200, new Dictionary<string, string> { ["Content-Type"] = "application/atom+xml" }, Description) : new ScriptedResponse(401);

        Assert.Equal(7, await dlq.CountAsync(Queue, Ct));
        Assert.Null(await dlq.CountAsync(Queue, Ct));
        Assert.Equal("GET /sms-callbacks?api-version=2021-05 HTTP/1.1", _bus.Requests[0].RequestLine);
    }
}
