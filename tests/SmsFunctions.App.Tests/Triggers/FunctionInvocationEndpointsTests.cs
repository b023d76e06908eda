using System.Net;
using System.Text;
using System.Text.Json;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers;

/// <summary>Host mode through real HTTP: replayed invocation bodies in, the handler's effect and the exact response out.</summary>
public sealed class FunctionInvocationEndpointsTests
{
    private const string Body = """{"messageId":"msg-1","chunk":0}""";

    private static string ServiceBusInvocation(string body, int deliveryCount = 1, string messageId = "abc") => $$"""
        {
          "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}" },
          "Metadata": {
            "DeliveryCount": "{{deliveryCount}}",
            "MessageId": "\"{{messageId}}\"",
            "LockToken": "\"lock-1\"",
            "EnqueuedTimeUtc": "\"2025-02-28T10:11:12\"",
            "CorrelationId": "\"corr-1\"",
            "sys": { "MethodName": "DispatchHigh", "UtcNow": "2025-02-28T10:11:13.1234567Z" }
          }
        }
        """;

    private static async Task<HttpResponseMessage> InvokeAsync(HostModeApp app, string functionName, string invocation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + functionName)
        {
            Content = new StringContent(invocation, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", "3b7d5f2e-0000-4000-8000-000000000001");
        return await app.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> AssertHostResponseAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = document.RootElement.Clone();
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, root.GetProperty("Outputs").ValueKind);
        Assert.Empty(root.GetProperty("Outputs").EnumerateObject());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("Logs").ValueKind);
        Assert.All(root.GetProperty("Logs").EnumerateArray(), l => Assert.Equal(JsonValueKind.String, l.ValueKind));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ReturnValue").ValueKind);
        return root;
    }

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("code").GetString();
    }

    [Fact]
    public async Task RootAnswersAtOnceForHostReadiness()
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await app.Client.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ServiceBusBinaryInvocationRunsTheHandlerAndAnswersTheHostShape()
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 2));

        var root = await AssertHostResponseAsync(response);
        Assert.NotEmpty(root.GetProperty("Logs").EnumerateArray());
        var handled = await LocalRuntimeHarness.ReadAsync(app.QueueScript.Handled.Reader);
        Assert.Equal(new ReceivedQueueMessage(QueueNames.DispatchHigh, "abc", Body, 2, "lock-1", new DateTimeOffset(2025, 2, 28, 10, 11, 12, TimeSpan.Zero), "corr-1"), handled);
        Assert.Empty(app.Queues.Sent);
        Assert.Empty(app.Queues.Receives); // the host owns the triggers: no local listener polls
    }

    [Fact]
    public async Task DoubleEncodedStringInvocationReachesTheHandlerDecoded()
    {
        await using var app = await HostModeApp.StartAsync();
        var invocation = $$"""
            { "Data": { "message": {{JsonSerializer.Serialize(JsonSerializer.Serialize(Body))}} }, "Metadata": { "MessageId": "\"cb-1\"", "DeliveryCount": "1" } }
            """;

        using var response = await InvokeAsync(app, "DeliverCallback", invocation);

        await AssertHostResponseAsync(response);
        var handled = await LocalRuntimeHarness.ReadAsync(app.QueueScript.Handled.Reader);
        Assert.Equal((QueueNames.Callbacks, "cb-1", Body), (handled.QueueName, handled.Id, handled.Body));
    }

    [Fact]
    public async Task FunctionNamesMatchCaseInsensitivelyLikeHostRoutes()
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await InvokeAsync(app, "dispatchhigh", ServiceBusInvocation(Body));

        await AssertHostResponseAsync(response);
    }

    [Fact]
    public async Task RetryAfterResendsTheBodyWithTheDelayAndAnswers200()
    {
        await using var app = await HostModeApp.StartAsync();
        app.QueueScript.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromSeconds(90), "carrier throttled"));

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, messageId: "abc"));

        await AssertHostResponseAsync(response);
        var (queue, sent) = Assert.Single(app.Queues.Sent);
        Assert.Equal(QueueNames.DispatchHigh, queue);
        Assert.Equal(new OutgoingQueueMessage("abc~r1", Body, TimeSpan.FromSeconds(90), "corr-1"), sent);
    }

    [Fact]
    public async Task RetryOfARetryGetsTheNextDerivedId()
    {
        await using var app = await HostModeApp.StartAsync();
        app.QueueScript.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromSeconds(5), "again"));

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, messageId: "abc~r1"));

        await AssertHostResponseAsync(response);
        Assert.Equal("abc~r2", Assert.Single(app.Queues.Sent).Message.Id);
    }

    [Fact]
    public async Task RetryAfterWhoseResendFailsAnswers500SoTheHostRedelivers()
    {
        await using var app = await HostModeApp.StartAsync();
        app.Queues.SendFailure = new HttpRequestException("service bus unreachable");
        app.QueueScript.OnHandle = (_, _) => Task.FromResult(QueueHandlingResult.RetryAfter(TimeSpan.FromSeconds(90), "carrier throttled"));

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("RETRY_NOT_SCHEDULED", await ProblemCodeAsync(response));
    }

    [Theory]
    [InlineData(1, "00:00:02")]
    [InlineData(4, "00:01:00")]
    public async Task HandlerExceptionIsResentWithBackoffAndItsDeliveriesAndAnswers200(int deliveryCount, string backoff)
    {
        // Answering 500 would make Service Bus redeliver at once; the retry waits the backoff of this delivery instead.
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: deliveryCount, messageId: "abc"));

        await AssertHostResponseAsync(response);
        Assert.False(app.QueueScript.Poisoned.Reader.TryRead(out _));
        var (queue, sent) = Assert.Single(app.Queues.Sent);
        Assert.Equal(QueueNames.DispatchHigh, queue);
        Assert.Equal(new OutgoingQueueMessage("abc~r1", Body, TimeSpan.Parse(backoff, System.Globalization.CultureInfo.InvariantCulture), "corr-1") { PriorDeliveries = deliveryCount }, sent);
        Assert.Equal(RetryBackoff.ForDeliveryCount(deliveryCount), sent.Delay);
    }

    [Fact]
    public async Task AResentFailureCountsItsPriorDeliveriesAndIsPoisonedOnTheLastOne()
    {
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");
        var invocation = ServiceBusInvocation(Body, deliveryCount: 1, messageId: "abc~r4")
            .Replace("\"CorrelationId\"", "\"ApplicationProperties\": { \"SmsPriorDeliveries\": 4 },\n    \"CorrelationId\"", StringComparison.Ordinal);

        using var response = await InvokeAsync(app, "DispatchHigh", invocation);

        await AssertHostResponseAsync(response);
        var (poisoned, _) = await LocalRuntimeHarness.ReadAsync(app.QueueScript.Poisoned.Reader);
        Assert.Equal(("abc~r4", 5), (poisoned.Id, poisoned.DeliveryCount));
        Assert.Empty(app.Queues.Sent);
    }

    [Fact]
    public async Task HandlerExceptionWhoseResendFailsAnswers500SoTheHostRedelivers()
    {
        await using var app = await HostModeApp.StartAsync();
        app.Queues.SendFailure = new HttpRequestException("service bus unreachable");
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 2));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("RETRY_NOT_SCHEDULED", await ProblemCodeAsync(response));
        Assert.False(app.QueueScript.Poisoned.Reader.TryRead(out _));
    }

    [Fact]
    public async Task HandlerExceptionOnTheLastAllowedDeliveryPoisonsAndAnswers200()
    {
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 5));

        await AssertHostResponseAsync(response);
        var (poisoned, reason) = await LocalRuntimeHarness.ReadAsync(app.QueueScript.Poisoned.Reader);
        Assert.Equal(("abc", 5), (poisoned.Id, poisoned.DeliveryCount));
        Assert.Contains("carrier down", reason, StringComparison.Ordinal);
        var (deadLetter, why) = Assert.Single(app.Queues.DeadLettered);
        Assert.Equal(("abc", Body, 5, "corr-1"), (deadLetter.Id, deadLetter.Body, deadLetter.DeliveryCount, deadLetter.CorrelationId));
        Assert.Equal(reason, why);
    }

    [Fact]
    public async Task AFailedDeadLetterRecordIsResentWithBackoffSoTheMessageIsNotLost()
    {
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");
        app.Queues.RecordFailure = new TimeoutException("storage down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 5));

        await AssertHostResponseAsync(response);
        var (_, sent) = Assert.Single(app.Queues.Sent);
        Assert.Equal(("abc~r1", 5), (sent.Id, sent.PriorDeliveries));
    }

    [Fact]
    public async Task PoisonHandlerFailureIsResentWithBackoffSoTheMessageIsNotLost()
    {
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");
        app.QueueScript.OnPoison = (_, _, _) => throw new TimeoutException("table storage down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 5));

        await AssertHostResponseAsync(response);
        var (_, sent) = Assert.Single(app.Queues.Sent);
        Assert.Equal(("abc~r1", 5, RetryBackoff.ForDeliveryCount(5)), (sent.Id, sent.PriorDeliveries, sent.Delay));
    }

    [Fact]
    public async Task PoisonHandlerFailureWhoseResendFailsAnswers500SoTheMessageIsNotLost()
    {
        await using var app = await HostModeApp.StartAsync(maxDeliveryCount: 5);
        app.Queues.SendFailure = new HttpRequestException("service bus unreachable");
        app.QueueScript.OnHandle = (_, _) => throw new InvalidOperationException("carrier down");
        app.QueueScript.OnPoison = (_, _, _) => throw new TimeoutException("table storage down");

        using var response = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body, deliveryCount: 5));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task TimerInvocationRunsTheHandlerWithScheduleStatus()
    {
        await using var app = await HostModeApp.StartAsync();
        const string invocation = """
            {
              "Data": { "timer": { "Schedule": { "AdjustForDST": true }, "ScheduleStatus": { "Last": "2025-03-01T11:59:00", "Next": "2025-03-01T12:00:00", "LastUpdated": "2025-03-01T11:59:00" }, "IsPastDue": true } },
              "Metadata": { "sys": { "MethodName": "Sweep", "UtcNow": "2025-03-01T12:00:00.0123Z" } }
            }
            """;

        using var response = await InvokeAsync(app, "Sweep", invocation);

        await AssertHostResponseAsync(response);
        var (tick, _) = await LocalRuntimeHarness.ReadAsync(app.TimerScript.Ticks.Reader);
        Assert.True(tick.IsPastDue);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 59, 0, TimeSpan.Zero), tick.Last);
    }

    [Fact]
    public async Task TimerInvocationWithoutScheduleStatusRuns()
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await InvokeAsync(app, "Sweep", """{ "Data": { "timer": { "Schedule": {}, "IsPastDue": false } }, "Metadata": {} }""");

        await AssertHostResponseAsync(response);
        var (tick, _) = await LocalRuntimeHarness.ReadAsync(app.TimerScript.Ticks.Reader);
        Assert.Equal((false, (DateTimeOffset?)null), (tick.IsPastDue, tick.Last));
    }

    [Fact]
    public async Task FailingTimerAnswers500()
    {
        await using var app = await HostModeApp.StartAsync();
        app.TimerScript.OnRun = (_, _) => throw new InvalidOperationException("table down");

        using var response = await InvokeAsync(app, "Sweep", """{ "Data": { "timer": { "ScheduleStatus": null, "IsPastDue": false } } }""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task UnknownFunctionAnswers404Problem()
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await InvokeAsync(app, "NoSuchFunction", ServiceBusInvocation(Body));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("FUNCTION_NOT_FOUND", await ProblemCodeAsync(response));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{ "Metadata": {} }""")]
    [InlineData("""{ "Data": { "message": null } }""")]
    public async Task MalformedInvocationAnswers400Problem(string invocation)
    {
        await using var app = await HostModeApp.StartAsync();

        using var response = await InvokeAsync(app, "DispatchHigh", invocation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_INVOCATION", await ProblemCodeAsync(response));
        Assert.False(app.QueueScript.Handled.Reader.TryRead(out _));
    }

    [Fact]
    public async Task InvocationFromOutsideLoopbackIsRefusedAndRunsNothing()
    {
        await using var app = await HostModeApp.StartAsync(remoteAddress: System.Net.IPAddress.Parse("203.0.113.7"));

        using var response = await InvokeAsync(app, "DeliverCallback", ServiceBusInvocation(Body));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("INVOCATION_FORBIDDEN", await ProblemCodeAsync(response));
        Assert.False(app.QueueScript.Handled.Reader.TryRead(out _));
    }

    [Fact]
    public async Task OutsideHostModeNothingIsMapped()
    {
        await using var app = await HostModeApp.StartAsync(hostMode: false);

        using var root = await app.Client.GetAsync("/", TestContext.Current.CancellationToken);
        using var invocation = await InvokeAsync(app, "DispatchHigh", ServiceBusInvocation(Body));

        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, invocation.StatusCode);
        Assert.False(app.QueueScript.Handled.Reader.TryRead(out _));
    }
}
