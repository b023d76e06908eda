using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Carriers.Sandbox;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>The failure paths, scripted by the sandbox carrier's magic numbers, through the whole pipeline.</summary>
[Collection(nameof(PipelineCollection))]
public sealed class SandboxFailureTests(PipelineFixture fixture)
{
    private async Task<(Customer Customer, string Id, Uri Hook)> SendAsync(string number, string body = "Sandbox test")
    {
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: TestContext.Current.CancellationToken);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = new[] { number },
            body,
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, TestContext.Current.CancellationToken);
        return (customer, id, hook);
    }

    private Task<IReadOnlyList<RecordedRequest>> CallbackAsync(Uri hook, string state, int count = 1) =>
        fixture.Webhooks.WaitForAsync(r => r.Path == hook.AbsolutePath && State(r) == state, count, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    private static string? State(RecordedRequest r) => JsonNode.Parse(r.Body)?["data"]?["state"]?.GetValue<string>();

    [Theory]
    [InlineData(SandboxNumbers.Undelivered, "UNDELIVERED", SandboxNumbers.UndeliveredErrorCode)]
    [InlineData(SandboxNumbers.Expired, "EXPIRED", SandboxNumbers.ExpiredErrorCode)]
    [InlineData(SandboxNumbers.RejectedBySmsc, "REJECTED", SandboxNumbers.RejectedErrorCode)]
    public async Task FailureReceiptsEndTheRecipientAndAreCalledBack(string number, string state, string errorCode)
    {
        var (customer, id, hook) = await SendAsync(number);
        var callback = (await CallbackAsync(hook, state))[0];
        Assert.Equal(errorCode, JsonNode.Parse(callback.Body)!["data"]!["errorCode"]!.GetValue<string>());
        var recipient = await customer.WaitForRecipientStateAsync(id, number, state, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(state, recipient["state"]!.GetValue<string>());
        Assert.Equal(state, (await customer.GetAsync(id, TestContext.Current.CancellationToken))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task CancelingAScheduledMessageCallsBackCanceledForEachRecipient()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        string[] numbers = ["+393331112201", "+393331112202"];
        var id = await customer.SendAsync(new
        {
            sender = "Sandbox",
            recipients = numbers,
            body = "Your appointment is tomorrow",
            scheduledAt = DateTimeOffset.UtcNow.AddHours(2),
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, ct);

        using var canceled = await customer.Client.DeleteAsync(new Uri($"/api/messages/{id}", UriKind.Relative), ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, canceled.StatusCode);

        var callbacks = await CallbackAsync(hook, "CANCELED", 2);
        Assert.Equal(numbers.Order(StringComparer.Ordinal), callbacks
            .Select(c => JsonNode.Parse(c.Body)!["data"]!["recipient"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(callbacks, c => Assert.Equal(id, JsonNode.Parse(c.Body)!["data"]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RejectedAtSubmitIsFinalAndNotOfferedToTheNextCarrier()
    {
        var (customer, id, hook) = await SendAsync(SandboxNumbers.RejectedAtSubmit);
        await CallbackAsync(hook, "REJECTED");
        var row = await fixture.Gateway.Services.GetRequiredService<RecipientStore>().GetAsync(id, SandboxNumbers.RejectedAtSubmit, TestContext.Current.CancellationToken);
        Assert.Equal("Sandbox", row!.Carrier);
        Assert.DoesNotContain(fixture.Kannel.SmscMessages, m => m.To.EndsWith(SandboxNumbers.RejectedAtSubmit.TrimStart('+'), StringComparison.Ordinal));
        Assert.Equal("REJECTED", (await customer.GetAsync(id, TestContext.Current.CancellationToken))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThrottledCarrierFallsBackToTheNextCarrierAndRecordsWhy()
    {
        var (_, id, hook) = await SendAsync(SandboxNumbers.Throttled, "Fallback test");
        await CallbackAsync(hook, "DELIVERED");
        var row = await fixture.Gateway.Services.GetRequiredService<RecipientStore>().GetAsync(id, SandboxNumbers.Throttled, TestContext.Current.CancellationToken);
        Assert.Equal("Kannel", row!.Carrier);
        var routing = JsonNode.Parse(row.RoutingJson!)!.AsArray();
        Assert.Contains(routing, a => a!["carrier"]!.GetValue<string>() == "Sandbox" && a["action"]!.GetValue<string>() == "Fallback");
        Assert.Contains(routing, a => a!["carrier"]!.GetValue<string>() == "Kannel" && a["outcome"]!.GetValue<string>() == "Accepted");
        Assert.Single(fixture.Kannel.SmscMessages, m => m.To.EndsWith(SandboxNumbers.Throttled.TrimStart('+'), StringComparison.Ordinal) && m.Text == "Fallback test");
    }

    [Fact]
    public async Task DuplicateReceiptsChangeNothingAndAreCalledBackOnce()
    {
        var (customer, id, hook) = await SendAsync(SandboxNumbers.DuplicateReceipts);
        await CallbackAsync(hook, "DELIVERED");
        // The duplicate arrives 50 ms (scaled) after the first; give the pipeline time to (not) react, bounded.
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.Single(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath && State(r) == "DELIVERED");
        Assert.Equal("DELIVERED", (await customer.RecipientAsync(id, SandboxNumbers.DuplicateReceipts, TestContext.Current.CancellationToken))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFinalStateWhoseCallbackWasLostIsCalledBackWhenTheReceiptComesAgainAndOnlyThen()
    {
        var ct = TestContext.Current.CancellationToken;
        var number = Numbers.Italian();
        var (customer, id, hook) = await SendAsync(number);
        await CallbackAsync(hook, "DELIVERED");

        // What a process that died between storing DELIVERED and queuing its callback leaves behind: the state, and
        // no attempt on record (deleted here) and no webhook at the customer (forgotten by counting from now).
        var attempts = fixture.Gateway.Services.GetRequiredService<CallbackAttemptStore>();
        var table = new Azure.Data.Tables.TableClient(fixture.Azurite.ConnectionString, fixture.TablePrefix + "CallbackAttempts");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && (await attempts.ListAsync(customer.AccountId, id, cancellationToken: ct)).Count == 0;)
        {
            await Task.Delay(50, ct);
        }

        foreach (var attempt in await attempts.ListAsync(customer.AccountId, id, cancellationToken: ct))
        {
            await table.DeleteEntityAsync(CallbackAttemptStore.PartitionOf(customer.AccountId, id, attempt.Recipient), CallbackAttemptStore.RowKey(id, attempt.Recipient, attempt.Event, attempt.Attempt), cancellationToken: ct);
        }

        int Delivered() => fixture.Webhooks.Requests.Count(r => r.Path == hook.AbsolutePath && State(r) == "DELIVERED");
        Assert.Equal(1, Delivered());

        // The carrier repeats the receipt (its first answer was lost with the process): the callback is replayed.
        var sink = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Carriers.IDeliveryReceiptSink>();
        var receipt = new SmsFunctions.Carriers.DeliveryReceipt(id, number, SmsFunctions.Core.Lifecycle.RecipientState.Delivered, DateTimeOffset.UtcNow, "Sandbox");
        await sink.AcceptAsync(receipt, ct);
        await CallbackAsync(hook, "DELIVERED", 2);

        // Repeated once more, with the replayed callback on record: nothing goes out again.
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && (await attempts.ListAsync(customer.AccountId, id, cancellationToken: ct)).Count == 0;)
        {
            await Task.Delay(50, ct);
        }

        await sink.AcceptAsync(receipt, ct);
        await Task.Delay(2500, ct); // The replay waits 0.5 s here, then is checked against the attempts and dropped.
        Assert.Equal(2, Delivered());
    }

    [Fact]
    public async Task ARedeliveredDispatchMessageReplaysTheCallbackOfAFinalStateOnlyIfItWasNeverSent()
    {
        var ct = TestContext.Current.CancellationToken;
        var number = Numbers.Italian();
        var (customer, id, hook) = await SendAsync(number);
        await CallbackAsync(hook, "DELIVERED");
        var attempts = fixture.Gateway.Services.GetRequiredService<CallbackAttemptStore>();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && (await attempts.ListAsync(customer.AccountId, id, cancellationToken: ct)).Count == 0;)
        {
            await Task.Delay(50, ct);
        }

        int Delivered() => fixture.Webhooks.Requests.Count(r => r.Path == hook.AbsolutePath && State(r) == "DELIVERED");
        var handler = fixture.Gateway.Services.GetRequiredService<DispatchHandler>();
        var work = new DispatchWork(1, [new DispatchItem(customer.AccountId, id)]);

        // Delivered a second time (the first invocation died before completing it): the callback is on record, so
        // the replay is dropped.
        await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-redelivered", work.ToJson(), 2, "r", DateTimeOffset.UtcNow), ct);
        await Task.Delay(2500, ct);
        Assert.Equal(1, Delivered());

        // As a process that died between storing DELIVERED and queuing the callback leaves it: no attempt on record.
        var table = new Azure.Data.Tables.TableClient(fixture.Azurite.ConnectionString, fixture.TablePrefix + "CallbackAttempts");
        foreach (var attempt in await attempts.ListAsync(customer.AccountId, id, cancellationToken: ct))
        {
            await table.DeleteEntityAsync(CallbackAttemptStore.PartitionOf(customer.AccountId, id, attempt.Recipient), CallbackAttemptStore.RowKey(id, attempt.Recipient, attempt.Event, attempt.Attempt), cancellationToken: ct);
        }

        await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-redelivered", work.ToJson(), 3, "r", DateTimeOffset.UtcNow), ct);
        await CallbackAsync(hook, "DELIVERED", 2);
    }

    [Fact]
    public async Task OutOfOrderReceiptsNeverMoveARecipientBackwards()
    {
        var (customer, id, hook) = await SendAsync(SandboxNumbers.OutOfOrderReceipts);
        await CallbackAsync(hook, "DELIVERED");
        await Task.Delay(1500, TestContext.Current.CancellationToken); // Let the late SENT and BUFFERED receipts arrive.
        var recipient = await customer.RecipientAsync(id, SandboxNumbers.OutOfOrderReceipts, TestContext.Current.CancellationToken);
        Assert.Equal("DELIVERED", recipient["state"]!.GetValue<string>());
        Assert.DoesNotContain(fixture.Webhooks.Requests, r => r.Path == hook.AbsolutePath && State(r) is "BUFFERED");
    }

    [Fact]
    public async Task CallbackReceiverFailingThenRecoveringGetsTheCallbackOnRetry()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        await using var flaky = await WebhookListener.StartAsync(ct);
        flaky.EnqueueStatuses(500, 500);
        var number = Numbers.Italian();
        var id = await customer.SendAsync(new
        {
            sender = "Retry", recipients = new[] { number }, body = "Retry me",
            callback = new { url = new Uri(flaky.BaseUrl, "hook").ToString(), method = "POST", field = "data", retry = 3 },
        }, ct);

        var requests = await flaky.WaitForAsync(r => r.AnsweredStatus == 200 && r.Body.Contains("DELIVERED", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30), cancellationToken: ct);
        Assert.StartsWith("application/x-www-form-urlencoded", requests[0].Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains(flaky.Requests, r => r.AnsweredStatus == 500);

        // The attempt is recorded just after the receiver answered: wait for the record, bounded.
        var store = fixture.Gateway.Services.GetRequiredService<CallbackAttemptStore>();
        IReadOnlyList<CallbackAttempt> attempts = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(50, ct))
        {
            attempts = await store.ListAsync(customer.AccountId, id, cancellationToken: ct);
            if (attempts.Any(a => a.Outcome == CallbackAttemptOutcome.Delivered)) { break; }
        }

        Assert.Contains(attempts, a => a.StatusCode == 500 && a.Outcome == CallbackAttemptOutcome.WillRetry);
        Assert.Contains(attempts, a => a.StatusCode == 200 && a.Outcome == CallbackAttemptOutcome.Delivered && a.Attempt > 1);
        Assert.All(attempts, a => Assert.True(a.LatencyMs >= 0));

        // The same attempts are on the message for its owner, and invisible to another account.
        using var listed = await customer.Client.GetAsync(new Uri($"/api/messages/{id}/callbacks", UriKind.Relative), ct);
        var data = JsonNode.Parse(await listed.Content.ReadAsStringAsync(ct))!["data"]!.AsArray();
        Assert.Contains(data, a => a!["statusCode"]?.GetValue<int>() == 500 && a["outcome"]!.GetValue<string>() == "WillRetry");
        Assert.Contains(data, a => a!["statusCode"]?.GetValue<int>() == 200 && a["outcome"]!.GetValue<string>() == "Delivered");
        Assert.All(data, a => Assert.False(string.IsNullOrEmpty(a!["recipient"]?.GetValue<string>())));
        Assert.All(data, a => Assert.False(a!.AsObject().ContainsKey("from")));
        var stranger = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        using var hidden = await stranger.Client.GetAsync(new Uri($"/api/messages/{id}/callbacks", UriKind.Relative), ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task PoisonDispatchMessageFailsItsRecipientsWithTheReasonAndCallsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        var number = Numbers.Italian();
        // A draft is stored but never dispatched, so the poison handler is the only thing that touches it.
        var id = await customer.SendAsync(new
        {
            sender = "Poison", recipients = new[] { number }, body = "Never sent",
            options = new { transaction = true },
            callback = new { url = hook.ToString() },
        }, ct);
        var recipients = fixture.Gateway.Services.GetRequiredService<RecipientStore>();
        var row = await recipients.GetAsync(id, number, ct);
        row!.State = "QUEUED";
        Assert.True(await recipients.TryReplaceAsync(row, ct));

        using var scope = fixture.Gateway.Services.CreateScope();
        var handler = ActivatorUtilities.CreateInstance<DispatchHandler>(scope.ServiceProvider);
        var work = new DispatchWork(1, [new DispatchItem(customer.AccountId, id)]);
        await handler.HandlePoisonAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q1", work.ToJson(), 6, "r", DateTimeOffset.UtcNow), "Dispatch failed 5 times: boom", ct);

        var failed = await recipients.GetAsync(id, number, ct);
        Assert.Equal("FAILED", failed!.State);
        Assert.Equal(DispatchHandler.PoisonCode, failed.ErrorCode);
        Assert.Contains("boom", failed.ErrorDetail, StringComparison.Ordinal);
        await CallbackAsync(hook, "FAILED");
    }

    [Fact]
    public async Task APoisonedCallbacksMessageGivesUpOnlyWhatNothingOnRecordSettles()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        string[] numbers = [Numbers.Italian(), Numbers.Italian()];
        var id = await customer.SendAsync(new
        {
            sender = "Poison", recipients = numbers, body = "Delivered, then poisoned",
            callback = new { url = hook.ToString(), method = "JSON", field = "data" },
        }, ct);
        await CallbackAsync(hook, "DELIVERED", 2);

        // Its DELIVERED webhooks are on record once the receiver has answered: wait for the records, bounded.
        var store = fixture.Gateway.Services.GetRequiredService<CallbackAttemptStore>();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(50, ct))
        {
            if ((await store.ListAsync(customer.AccountId, id, cancellationToken: ct)).Count(a => a.Outcome == CallbackAttemptOutcome.Delivered) == 2) { break; }
        }

        // A message that kept failing after its first event went out: that event (delivered), a replay of a state its
        // recipient never reached (CANCELED), and an attempt nothing on record settles (the second recipient's retry).
        var now = DateTimeOffset.UtcNow;
        var work = new CallbackWork(1,
        [
            new CallbackEvent(customer.AccountId, id, numbers[0], "DELIVERED", now),
            new CallbackEvent(customer.AccountId, id, numbers[0], "CANCELED", now, Replay: true),
            new CallbackEvent(customer.AccountId, id, numbers[1], "DELIVERED", now, Attempt: 2),
        ]);
        using var scope = fixture.Gateway.Services.CreateScope();
        var handler = ActivatorUtilities.CreateInstance<DeliverCallbackHandler>(scope.ServiceProvider);
        await handler.HandlePoisonAsync(new ReceivedQueueMessage(QueueNames.Callbacks, "q1", work.ToJson(), 6, "r", now), "Callbacks failed 5 times: boom", ct);

        var attempts = await store.ListAsync(customer.AccountId, id, cancellationToken: ct);
        Assert.Equal(CallbackAttemptOutcome.Delivered, Assert.Single(attempts, a => a.Recipient == numbers[0] && a.Event == "DELIVERED").Outcome);
        Assert.DoesNotContain(attempts, a => a.Event == "CANCELED");
        var gaveUp = Assert.Single(attempts, a => a.Recipient == numbers[1] && a.Attempt == 2);
        Assert.Equal(CallbackAttemptOutcome.GaveUp, gaveUp.Outcome);
        Assert.Contains("boom", gaveUp.Error, StringComparison.Ordinal);
        Assert.Equal(CallbackAttemptOutcome.Delivered, Assert.Single(attempts, a => a.Recipient == numbers[1] && a.Attempt == 1).Outcome);
    }

    [Fact]
    public async Task RecipientsWithoutAFinalReceiptExpireWhenTheValidityPeriodIsOver()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        var sent = Numbers.Italian();
        var delivered = Numbers.Italian();

        // Delivered through the sandbox: dispatch leaves a validity row in the schedule for the end of the period.
        var id = await customer.SendAsync(new { sender = "Validity", recipients = new[] { delivered }, body = "Valid 10 minutes", validityPeriod = 10, callback = new { url = hook.ToString() } }, ct);
        await CallbackAsync(hook, "DELIVERED");
        var scheduleTable = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Storage.Tables.SmsTables>().Schedule;
        var expiryRow = Assert.Single(scheduleTable.Query<Azure.Data.Tables.TableEntity>(e => e.RowKey == ScheduledDispatch.ExpiryPrefix + id, cancellationToken: ct));

        // A second recipient stuck in SENT (its carrier never reported back); the period is over.
        var recipients = fixture.Gateway.Services.GetRequiredService<RecipientStore>();
        var row = await recipients.GetAsync(id, delivered, ct);
        var stuck = new RecipientEntity { PartitionKey = SmsFunctions.Storage.Messages.RecipientKeys.PartitionKey(id, sent), RowKey = sent, AccountId = row!.AccountId, State = "SENT", Price = row.Price, Parts = row.Parts, CountryCode = "IT", UpdatedAt = DateTimeOffset.UtcNow };
        await recipients.UpsertAsync(id, [stuck], ct);
        var schedule = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Storage.Scheduling.ScheduleIndex>();
        await schedule.AddAsync(customer.AccountId, ScheduledDispatch.ExpiryPrefix + id, DateTimeOffset.UtcNow.AddMinutes(-1), SmsFunctions.Core.Pricing.PriorityBand.Normal, 2, ct);
        await scheduleTable.DeleteEntityAsync(expiryRow.PartitionKey, expiryRow.RowKey, cancellationToken: ct);

        await fixture.Gateway.Services.GetRequiredService<ScheduledDispatch>().MoveDueAsync(DateTimeOffset.UtcNow, 500, ct);

        var expired = await recipients.GetAsync(id, sent, ct);
        Assert.Equal("EXPIRED", expired!.State);
        Assert.Equal("VALIDITY_EXPIRED", expired.ErrorCode);
        Assert.Equal("DELIVERED", (await recipients.GetAsync(id, delivered, ct))!.State); // final states are never touched
        await CallbackAsync(hook, "EXPIRED");
        Assert.Empty(scheduleTable.Query<Azure.Data.Tables.TableEntity>(e => e.RowKey == ScheduledDispatch.ExpiryPrefix + id, cancellationToken: ct));
    }

    [Fact]
    public async Task ABigMessageIsRolledUpOnItsRowUntilEveryRecipientHasEnded()
    {
        var ct = TestContext.Current.CancellationToken;
        var customer = await fixture.Gateway.CreateCustomerAsync(cancellationToken: ct);
        var hook = fixture.Hook(Guid.NewGuid().ToString("N"));
        var numbers = new[] { Numbers.Italian(), Numbers.Italian(), Numbers.Italian() };
        var id = await customer.SendAsync(new { sender = "Rollup", recipients = numbers, body = "Counted", callback = new { url = hook.ToString() } }, ct);
        await CallbackAsync(hook, "DELIVERED", 3);

        // One recipient has not ended (its receipt is still out): the rollup says so and comes back later.
        var recipients = fixture.Gateway.Services.GetRequiredService<RecipientStore>();
        var row = await recipients.GetAsync(id, numbers[0], ct);
        row!.State = "SENT";
        Assert.True(await recipients.TryReplaceAsync(row, ct));
        fixture.Gateway.Services.GetRequiredService<RecipientOwner>().Forget(id, numbers[0]);
        var schedule = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Storage.Scheduling.ScheduleIndex>();
        var scheduleTable = fixture.Gateway.Services.GetRequiredService<SmsFunctions.Storage.Tables.SmsTables>().Schedule;
        var dispatch = fixture.Gateway.Services.GetRequiredService<ScheduledDispatch>();
        var messages = fixture.Gateway.Services.GetRequiredService<MessageStore>();

        await schedule.AddAsync(customer.AccountId, ScheduledDispatch.RollupPrefix + id, DateTimeOffset.UtcNow.AddMinutes(-1), SmsFunctions.Core.Pricing.PriorityBand.Normal, 3, ct);
        await dispatch.MoveDueAsync(DateTimeOffset.UtcNow, 500, ct);
        var header = await messages.GetAsync(customer.AccountId, id, ct);
        Assert.Equal("SENT", header!.State);
        Assert.Contains("\"DELIVERED\":2", header.StateCountsJson, StringComparison.Ordinal);
        var again = Assert.Single(scheduleTable.Query<Azure.Data.Tables.TableEntity>(e => e.RowKey == ScheduledDispatch.RollupPrefix + id, cancellationToken: ct));
        Assert.True(again.GetDateTimeOffset("DueAt") > DateTimeOffset.UtcNow);

        // The last receipt lands; the next rollup writes the final state and stops.
        await fixture.Gateway.Services.GetRequiredService<SmsFunctions.Carriers.IDeliveryReceiptSink>().AcceptAsync(
            new SmsFunctions.Carriers.DeliveryReceipt(id, numbers[0], SmsFunctions.Core.Lifecycle.RecipientState.Delivered, DateTimeOffset.UtcNow, "Sandbox"), ct);
        await scheduleTable.DeleteEntityAsync(again.PartitionKey, again.RowKey, cancellationToken: ct);
        await schedule.AddAsync(customer.AccountId, ScheduledDispatch.RollupPrefix + id, DateTimeOffset.UtcNow.AddMinutes(-1), SmsFunctions.Core.Pricing.PriorityBand.Normal, 3, ct);
        await dispatch.MoveDueAsync(DateTimeOffset.UtcNow, 500, ct);
        header = await messages.GetAsync(customer.AccountId, id, ct);
        Assert.Equal("DELIVERED", header!.State);
        Assert.Contains("\"DELIVERED\":3", header.StateCountsJson, StringComparison.Ordinal);
        Assert.Empty(scheduleTable.Query<Azure.Data.Tables.TableEntity>(e => e.RowKey == ScheduledDispatch.RollupPrefix + id, cancellationToken: ct));
    }
}
