using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Tests.Api;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage;

namespace SmsFunctions.App.Tests.Callbacks;

/// <summary>
/// Webhook attempt records: PK the account and a ~4 s creation-time bucket of the message id (or the message and a
/// recipient shard for a big message), one RowKey range per message; attempts of one partition that arrive together
/// are written as entity-group transactions, duplicates of one attempt converge to one row.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CallbackAttemptStoreTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] OldestFirst = ["SENT/1/200/Delivered", "DELIVERED/1/503/WillRetry", "DELIVERED/2/200/Delivered"];

    /// <summary>Counts the HTTP requests a client sends: each is one table operation (a transaction is one).</summary>
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public void Reset() => Interlocked.Exchange(ref _requests, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _requests);
    }

    private CallbackAttemptStore CountedStore(CountingPolicy counter)
    {
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(app.Azurite.ConnectionString, options);
        return new CallbackAttemptStore(service, Options.Create(new StorageOptions { TablePrefix = app.TablePrefix }));
    }

    private static string NewAccountId() => "acct-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public void EveryRowKeyOfAMessageIsInsideItsRangeAndNoOtherMessagesRowIs()
    {
        var time = TimeProvider.System;
        var ids = Enumerable.Range(0, 50).Select(_ => MessageId.New(time)).Append("000000000000000000000000").Append("ffffffffffffffffffffffff").Append("00000000000000000000000f").ToList();
        foreach (var id in ids)
        {
            var from = id + "|";
            var to = id + "}";
            foreach (var other in ids)
            {
                foreach (var key in new[] { CallbackAttemptStore.RowKey(other, "+393331234567", "DELIVERED", 1), CallbackAttemptStore.RowKey(other, "+1", "SENT", 99) })
                {
                    var inside = string.CompareOrdinal(key, from) >= 0 && string.CompareOrdinal(key, to) < 0;
                    Assert.True(inside == (other == id), $"{key} in [{from}, {to}[ is {inside}");
                }
            }
        }

        Assert.Throws<ArgumentException>(() => CallbackAttemptStore.RowKey("ab|c", "+393331234567", "SENT", 1));
        Assert.Throws<ArgumentException>(() => CallbackAttemptStore.RowKey("abc", "+39|3331234567", "SENT", 1));
    }

    [Fact]
    public void AttemptsOfMessagesCreatedInTheSameFewSecondsShareTheirMessagesPartitionBucket()
    {
        // Attempts of one account's messages of the same ~4 s go out in one transaction only if they share a
        // partition: the attempts' bucket must be the message table's, whatever the id's time digits are.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, 0, TimeSpan.Zero));
        string first, second;
        do
        {
            // Two messages 100 ms apart that the message table puts in one bucket (not across a bucket's edge).
            clock.Advance(TimeSpan.FromMilliseconds(250));
            first = MessageId.New(clock, null, 0);
            second = MessageId.Of(clock.GetUtcNow().AddMilliseconds(100), 42, 0);
        }
        while (SmsFunctions.Storage.Messages.MessageEntity.PartitionKeyOf("acc_1", first) != SmsFunctions.Storage.Messages.MessageEntity.PartitionKeyOf("acc_1", second));

        Assert.Equal(CallbackAttemptStore.PartitionOf("acc_1", first, "+393331234567"), CallbackAttemptStore.PartitionOf("acc_1", second, "+393339999999"));
        Assert.EndsWith(SmsFunctions.Storage.Messages.MessageEntity.PartitionKeyOf("acc_1", first)["acc_1|".Length..], CallbackAttemptStore.PartitionOf("acc_1", first, "+393331234567"), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.NotEqual(CallbackAttemptStore.PartitionOf("acc_1", first, "+393331234567"), CallbackAttemptStore.PartitionOf("acc_1", MessageId.New(clock, null, 0), "+393331234567"));
    }

    [Fact]
    public async Task ABigMessagesAttemptsAreSpreadOverItsShardsAndStillListedTogether()
    {
        var store = app.Services.GetRequiredService<CallbackAttemptStore>();
        var account = NewAccountId();
        var big = MessageId.New(TimeProvider.System, null, SmsFunctions.Storage.Messages.RecipientKeys.ShardDigitFor(100_000));
        var small = MessageId.New(TimeProvider.System, null, 0);
        var numbers = Enumerable.Range(0, 300).Select(i => "+39333" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        await Task.WhenAll(numbers.Select(n => store.AddAsync(account, new CallbackAttempt(big, n, "DELIVERED", 1, T0, 200, 1, CallbackAttemptOutcome.Delivered, null), Ct)));
        await store.AddAsync(account, new CallbackAttempt(small, numbers[0], "DELIVERED", 1, T0, 200, 1, CallbackAttemptOutcome.Delivered, null), Ct);

        Assert.True(numbers.Select(n => CallbackAttemptStore.PartitionOf(account, big, n)).Distinct().Count() > 100);
        Assert.Equal(numbers.Order(StringComparer.Ordinal), (await store.ListAsync(account, big, cancellationToken: Ct)).Select(a => a.Recipient).Order(StringComparer.Ordinal));
        Assert.Single(await store.ListAsync(account, small, cancellationToken: Ct));
        Assert.True(await store.AnyAsync(account, big, numbers[123], "DELIVERED", Ct));
        Assert.False(await store.AnyAsync(account, big, numbers[123], "FAILED", Ct));
    }

    [Fact]
    public async Task ConcurrentAttemptsOfOneAccountAreWrittenTogetherAndListedPerMessage()
    {
        var counter = new CountingPolicy();
        using var store = CountedStore(counter);
        var account = NewAccountId();
        var stranger = NewAccountId();
        var messages = Enumerable.Range(0, 6).Select(_ => MessageId.New(TimeProvider.System)).Distinct().ToList();
        string[] recipients = [.. Numbers.Mobiles(5)];
        string[] states = ["SENT", "DELIVERED"];

        // Creates the table, so that what follows counts only the writes of attempts.
        await store.AddAsync(NewAccountId(), new CallbackAttempt(MessageId.New(TimeProvider.System), Numbers.Seed, "SENT", 1, T0, 200, 1, CallbackAttemptOutcome.Delivered, null), Ct);
        counter.Reset();

        // Every attempt twice (a redelivered callback message): first as a 500, then, later, as a 200. Plus another
        // account's attempts on the same message ids, which must stay in that account.
        var expected = new List<(string Message, string Recipient, string State, int Attempt, DateTimeOffset At)>();
        var writes = new List<Task>();
        var tick = 0;
        foreach (var message in messages)
        {
            foreach (var recipient in recipients)
            {
                foreach (var state in states)
                {
                    for (var attempt = 1; attempt <= 3; attempt++)
                    {
                        var at = T0.AddSeconds(tick++);
                        expected.Add((message, recipient, state, attempt, at));
                        writes.Add(store.AddAsync(account, new CallbackAttempt(message, recipient, state, attempt, at.AddDays(-1), 500, 3, CallbackAttemptOutcome.WillRetry, "HTTP 500"), Ct));
                        writes.Add(store.AddAsync(account, new CallbackAttempt(message, recipient, state, attempt, at, 200, 7, CallbackAttemptOutcome.Delivered, null), Ct));
                    }
                }
            }

            writes.Add(store.AddAsync(stranger, new CallbackAttempt(message, Numbers.Mobile(99), "FAILED", 1, T0, 410, 1, CallbackAttemptOutcome.GaveUp, "HTTP 410"), Ct));
        }

        await Task.WhenAll(writes);
        var operations = counter.Requests;

        // 366 AddAsync calls, 186 distinct rows in a few partitions (messages created within ~4 s share one): one
        // request each would be 366 operations.
        Assert.True(operations <= 40, $"{writes.Count} attempts took {operations} table operations; expected a few transactions.");

        foreach (var message in messages)
        {
            var listed = await store.ListAsync(account, message, cancellationToken: Ct);
            var mine = expected.Where(e => e.Message == message).ToList();
            Assert.Equal(mine.Count, listed.Count);
            Assert.All(listed, a =>
            {
                Assert.Equal(message, a.MessageId);
                Assert.Equal(200, a.StatusCode);
                Assert.Equal(CallbackAttemptOutcome.Delivered, a.Outcome);
                Assert.Null(a.Error);
            });

            // Oldest first, and exactly this message's attempts.
            Assert.Equal(mine.Select(e => (e.Recipient, e.State, e.Attempt, e.At)), listed.Select(a => (a.Recipient, a.Event, a.Attempt, a.At)));

            var theirs = Assert.Single(await store.ListAsync(stranger, message, cancellationToken: Ct));
            Assert.Equal(message, theirs.MessageId);
            Assert.Equal(410, theirs.StatusCode);
        }

        Assert.Empty(await store.ListAsync(account, MessageId.New(TimeProvider.System), cancellationToken: Ct));
    }

    [Fact]
    public async Task ARowTheServiceRefusesFailsOnlyItsOwnCallerNotTheOthersOfItsTransaction()
    {
        using var store = CountedStore(new CountingPolicy());
        var account = NewAccountId();
        var message = MessageId.New(TimeProvider.System);
        await store.AddAsync(account, new CallbackAttempt(message, Numbers.Mobile(0), "SENT", 1, T0, 200, 1, CallbackAttemptOutcome.Delivered, null), Ct);

        // A RowKey longer than the service's 1 KiB limit: refused, and with it the transaction it was in.
        var bad = store.AddAsync(account, new CallbackAttempt(message, "+" + new string('9', 1100), "SENT", 1, T0, 200, 1, CallbackAttemptOutcome.Delivered, null), Ct);
        var good = Enumerable.Range(1, 20).Select(i =>
            store.AddAsync(account, new CallbackAttempt(message, Numbers.Mobile(i), "SENT", 1, T0.AddSeconds(i), 200, 1, CallbackAttemptOutcome.Delivered, null), Ct)).ToList();

        await Task.WhenAll(good);
        await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => bad);
        var listed = await store.ListAsync(account, message, cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(0, 21).Select(Numbers.Mobile), listed.Select(a => a.Recipient));
    }

    [Fact]
    public async Task TheApiListsTheAttemptsOfTheOwnersMessageOnlyOldestFirst()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var first = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(1), body = "one" }))["id"]!.GetValue<string>();
        var second = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(2), body = "two" }))["id"]!.GetValue<string>();
        var store = app.Services.GetRequiredService<CallbackAttemptStore>();

        await Task.WhenAll(
            store.AddAsync(customer.AccountId, new CallbackAttempt(first, Numbers.Mobile(1), "DELIVERED", 2, T0.AddSeconds(20), 200, 12.5, CallbackAttemptOutcome.Delivered, null), Ct),
            store.AddAsync(customer.AccountId, new CallbackAttempt(first, Numbers.Mobile(1), "DELIVERED", 1, T0.AddSeconds(10), 503, 40, CallbackAttemptOutcome.WillRetry, "HTTP 503"), Ct),
            store.AddAsync(customer.AccountId, new CallbackAttempt(first, Numbers.Mobile(1), "SENT", 1, T0, 200, 8, CallbackAttemptOutcome.Delivered, null), Ct),
            store.AddAsync(customer.AccountId, new CallbackAttempt(second, Numbers.Mobile(2), "SENT", 1, T0, null, 0, CallbackAttemptOutcome.GaveUp, "timed out"), Ct));

        var listed = await DataAsync(customer, first);
        Assert.Equal(OldestFirst,
            listed.Select(a => $"{a!["event"]}/{a["attempt"]}/{a["statusCode"]}/{a["outcome"]}"));
        Assert.Equal("HTTP 503", listed[1]!["error"]!.GetValue<string>());

        var other = Assert.Single(await DataAsync(customer, second));
        Assert.Equal("timed out", other!["error"]!.GetValue<string>());

        var stranger = await app.CreateCustomerAsync(10m);
        using var hidden = await stranger.Client.GetAsync(new Uri($"/api/messages/{first}/callbacks", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    private static async Task<JsonArray> DataAsync(Customer customer, string messageId)
    {
        using var response = await customer.Client.GetAsync(new Uri($"/api/messages/{messageId}/callbacks", UriKind.Relative), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["data"]!.AsArray();
    }
}
