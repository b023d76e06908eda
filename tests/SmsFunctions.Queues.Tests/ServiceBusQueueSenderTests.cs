using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Queues.ServiceBus;

namespace SmsFunctions.Queues.Tests;

/// <summary>The queue port onto the Service Bus SDK: what each of our messages becomes, how fan-out is batched and how
/// the SDK's failures are explained, against a fake sender (no Service Bus can run here).</summary>
public sealed class ServiceBusQueueSenderTests : IAsyncDisposable
{
    private const string Queue = QueueNames.DispatchHigh;
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 49, 37, 250, TimeSpan.Zero);
    private readonly FakeServiceBusClient _client = new();
    private readonly FakeTimeProvider _time = new(Now);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private ServiceBusQueueSender CreateSender(Action<ServiceBusTransportOptions>? configure = null)
    {
        var options = new ServiceBusTransportOptions { FullyQualifiedNamespace = _client.FullyQualifiedNamespace };
        configure?.Invoke(options);
        return new ServiceBusQueueSender(_client, Options.Create(options), _time);
    }

    private List<IReadOnlyList<ServiceBusMessage>> Sent(string queue = Queue) => _client.Senders[queue].Sends;

    [Fact]
    public async Task A_message_keeps_its_id_for_duplicate_detection_its_correlation_and_its_body()
    {
        await using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("msg-1", """{"batch":"b1","n":"è"}""", CorrelationId: "corr-9"), Ct);

        var message = Assert.Single(Assert.Single(Sent()));
        Assert.Equal("msg-1", message.MessageId);
        Assert.Equal("corr-9", message.CorrelationId);
        Assert.Equal("""{"batch":"b1","n":"è"}""", message.Body.ToString());
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(default, message.ScheduledEnqueueTime);
        Assert.Empty(message.ApplicationProperties);
    }

    [Fact]
    public void Plain_text_is_labelled_as_such_and_absent_properties_stay_unset()
    {
        var message = ServiceBusQueueSender.ToServiceBusMessage(new OutgoingQueueMessage("m", "just text"), Now);

        Assert.Equal("text/plain", message.ContentType);
        Assert.Null(message.CorrelationId);
        Assert.Equal("m", message.MessageId);
    }

    [Fact]
    public async Task A_delay_becomes_the_scheduled_enqueue_time_from_the_injected_clock()
    {
        await using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("later", "{}", Delay: TimeSpan.FromMinutes(10)), Ct);
        await sender.SendAsync(Queue, new OutgoingQueueMessage("now", "{}", Delay: TimeSpan.Zero), Ct);

        Assert.Equal([Now.AddMinutes(10), default], Sent().Select(s => s[0].ScheduledEnqueueTime));
    }

    [Fact]
    public async Task Prior_deliveries_travel_as_an_application_property_only_when_there_were_some()
    {
        await using var sender = CreateSender();

        await sender.SendBatchAsync(Queue, [new("a~r1", "x", TimeSpan.FromSeconds(10)) { PriorDeliveries = 3 }, new("b", "y")], Ct);

        var batch = Assert.Single(Sent());
        Assert.Equal(3, batch[0].ApplicationProperties[QueueMessageProperties.PriorDeliveries]);
        Assert.False(batch[1].ApplicationProperties.ContainsKey(QueueMessageProperties.PriorDeliveries));
    }

    [Fact]
    public async Task Fan_out_goes_in_batches_of_at_most_MaxBatchCount_in_order()
    {
        await using var sender = CreateSender();
        var messages = Enumerable.Range(0, 250).Select(i => new OutgoingQueueMessage($"m{i}", $"body {i}")).ToList();

        await sender.SendBatchAsync(Queue, messages, Ct);

        Assert.Equal([100, 100, 50], Sent().Select(b => b.Count));
        Assert.Equal(messages.Select(m => m.Id), Sent().SelectMany(b => b).Select(m => m.MessageId));
    }

    [Fact]
    public async Task Fan_out_starts_a_new_batch_when_the_links_size_limit_is_reached()
    {
        _client.BatchSizeBytes = 256 * 1024;
        await using var sender = CreateSender();
        var messages = Enumerable.Range(0, 10).Select(i => new OutgoingQueueMessage($"m{i}", new string((char)('a' + i), 60 * 1024))).ToList();

        await sender.SendBatchAsync(Queue, messages, Ct);

        Assert.Equal([4, 4, 2], Sent().Select(b => b.Count));
        Assert.Equal(messages.Select(m => m.Body), Sent().SelectMany(b => b).Select(m => m.Body.ToString()));
    }

    [Fact]
    public async Task A_message_too_large_for_any_batch_is_refused_as_permanent_naming_it()
    {
        _client.BatchSizeBytes = 1024;
        await using var sender = CreateSender();

        var ex = await Assert.ThrowsAsync<ServiceBusSendException>(() =>
            sender.SendBatchAsync(Queue, [new("small", "x"), new("huge", new string('x', 4096)), new("after", "y")], Ct));

        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, ex.Reason);
        Assert.False(ex.IsTransient);
        Assert.Contains("'huge'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["small"], Sent().SelectMany(b => b).Select(m => m.MessageId));
    }

    [Fact]
    public async Task One_sender_per_queue_is_created_and_reused()
    {
        await using var sender = CreateSender();

        await sender.SendAsync(Queue, new OutgoingQueueMessage("1", "x"), Ct);
        await sender.SendAsync(Queue, new OutgoingQueueMessage("2", "x"), Ct);
        await sender.SendAsync(QueueNames.Callbacks, new OutgoingQueueMessage("3", "x"), Ct);

        Assert.Equal([QueueNames.Callbacks, Queue], _client.Senders.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, Sent().Count);
    }

    [Fact]
    public void Retry_options_are_handed_to_the_sdk()
    {
        var options = new ServiceBusTransportOptions { MaxAttempts = 5, BaseRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(20), AttemptTimeout = TimeSpan.FromSeconds(9) };

        var retry = options.ToClientOptions().RetryOptions;

        Assert.Equal((ServiceBusRetryMode.Exponential, 4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(9)),
            (retry.Mode, retry.MaxRetries, retry.Delay, retry.MaxDelay, retry.TryTimeout));
    }

    [Theory]
    [InlineData(ServiceBusFailureReason.MessagingEntityNotFound, false, "does not exist")]
    [InlineData(ServiceBusFailureReason.MessageSizeExceeded, false, "too large")]
    [InlineData(ServiceBusFailureReason.QuotaExceeded, false, "full")]
    [InlineData(ServiceBusFailureReason.ServiceBusy, true, "after the SDK's retries")]
    [InlineData(ServiceBusFailureReason.ServiceTimeout, true, "after the SDK's retries")]
    public async Task Sdk_failures_are_explained_with_the_queue_and_whether_retrying_may_help(ServiceBusFailureReason reason, bool transient, string explanation)
    {
        _client.Fail = (_, _) => new ServiceBusException(transient, "from the fake", "sms-dispatch-high", reason);
        await using var sender = CreateSender();

        var ex = await Assert.ThrowsAsync<ServiceBusSendException>(() => sender.SendAsync(Queue, new OutgoingQueueMessage("x", "x"), Ct));

        Assert.Equal(reason, ex.Reason);
        Assert.Equal(transient, ex.IsTransient);
        Assert.Equal(Queue, ex.QueueName);
        Assert.Contains(explanation, ex.Message, StringComparison.Ordinal);
        Assert.Contains("fake.servicebus.windows.net/sms-dispatch-high", ex.Message, StringComparison.Ordinal);
        Assert.Contains("from the fake", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_identity_names_the_role_it_needs()
    {
        _client.Fail = (_, _) => new UnauthorizedAccessException("Unauthorized access. 'Send' claim(s) are required.");
        await using var sender = CreateSender();

        var ex = await Assert.ThrowsAsync<ServiceBusSendException>(() => sender.SendBatchAsync(Queue, [new("a", "x"), new("b", "y")], Ct));

        Assert.False(ex.IsTransient);
        Assert.Null(ex.Reason);
        Assert.Contains("Azure Service Bus Data Sender", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancellation_the_caller_asked_for_is_not_translated()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        _client.Fail = (_, _) => new OperationCanceledException(cancelled.Token);
        await using var sender = CreateSender();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.SendAsync(Queue, new OutgoingQueueMessage("x", "x"), cancelled.Token));
    }

    [Theory]
    [InlineData("mybus", "mybus.servicebus.windows.net")]
    [InlineData("mybus.servicebus.windows.net", "mybus.servicebus.windows.net")]
    [InlineData("https://mybus.servicebus.windows.net/", "mybus.servicebus.windows.net")]
    [InlineData("sb://mybus.servicebus.windows.net/", "mybus.servicebus.windows.net")]
    public void Namespace_is_normalised_to_a_host_name(string configured, string expected) =>
        Assert.Equal(expected, ServiceBusTransportOptions.NormalizeNamespace(configured));
}
