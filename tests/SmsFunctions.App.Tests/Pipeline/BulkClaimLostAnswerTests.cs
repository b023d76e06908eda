using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Queues;
using SmsFunctions.Storage;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>
/// Finding "Stuck recipients under bulk load" at a small scale, against Azurite with the real SDK: under load a claim
/// transaction can commit while its caller gives up waiting (the client's 30 s network timeout); the SDK sends it again
/// and gets 412. At 81f495f the dispatcher took that for "someone else claimed them", re-read the rows, found them
/// DISPATCHING and skipped them: a whole claim batch (100 recipients) never reached the carrier, and since the queue
/// message completed, nothing ever looked at them again. Here the first transaction's answer is dropped after it
/// committed (what a timeout does), and every recipient must still be sent once.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BulkClaimLostAnswerTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task AClaimTransactionThatCommittedButLostItsAnswerStillSendsEveryRecipientOnce()
    {
        const int Count = 2000;
        var customer = await app.CreateCustomerAsync(1000m);
        var prefix = "+39334" + Random.Shared.Next(10, 99).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var numbers = Enumerable.Range(0, Count).Select(i => prefix + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var id = (await customer.SendOkAsync(new { sender = "Bulk", recipients = numbers, body = "Bulk claim" }))["id"]!.GetValue<string>();

        // The same tables, through a client whose first committed transaction loses its answer.
        var fault = new LoseFirstBatchAnswer();
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 3;
        options.AddPolicy(fault, HttpPipelinePosition.PerRetry);
        var tables = new SmsTables(new TableServiceClient(app.Azurite.ConnectionString, options), Options.Create(new StorageOptions { TablePrefix = app.TablePrefix }));
        var store = new RecipientStore(tables);
        var carrier = new CountingCarrier();
        var router = new CarrierRouter([carrier], app.Services.GetRequiredService<IOptionsMonitor<RoutingOptions>>(), TimeProvider.System, NullLogger<CarrierRouter>.Instance);
        var handler = ActivatorUtilities.CreateInstance<DispatchHandler>(app.Services, router, (IRecipientOwner)new RecipientOwner(store, TimeProvider.System));
        var body = new DispatchWork(1, [new DispatchItem(customer.AccountId, id)]).ToJson();

        var result = await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-bulk", body, 1, "r", DateTimeOffset.UtcNow), Ct);

        Assert.Equal(1, fault.Lost);
        Assert.Equal(Count, carrier.Submitted.Count);
        Assert.Equal(Count, carrier.Submitted.Distinct().Count());
        var states = new Dictionary<string, int>();
        await foreach (var row in store.QueryAsync(id, cancellationToken: Ct))
        {
            states[row.State] = states.GetValueOrDefault(row.State) + 1;
        }

        Assert.Equal(new Dictionary<string, int> { ["SENT"] = Count }, states);
        Assert.True(result.IsCompleted);
    }

    /// <summary>Lets the first entity-group transaction commit, then throws as a timeout would: the SDK retries it.</summary>
    private sealed class LoseFirstBatchAnswer : HttpPipelinePolicy
    {
        private int _lost;
        private int _writes;

        public int Lost => Volatile.Read(ref _lost);

        /// <summary>Table writes sent (inserts, replaces, transactions), retries included.</summary>
        public int Writes => Volatile.Read(ref _writes);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Drop(message);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Drop(message);
        }

        private void Drop(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Get) { Interlocked.Increment(ref _writes); }

            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) && message.Response.Status == 202 && Interlocked.CompareExchange(ref _lost, 1, 0) == 0)
            {
                throw new IOException("The answer to a committed transaction was lost (a timeout).");
            }
        }
    }

    private sealed class CountingCarrier : ICarrier
    {
        public ConcurrentQueue<string> Submitted { get; } = new();

        public string Name => "Sandbox";

        public Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
        {
            Submitted.Enqueue(submission.Recipient);
            return Task.FromResult(CarrierSubmitResult.Accepted("b-" + submission.Recipient.TrimStart('+')));
        }
    }
}
