using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>
/// Finding "Delivered but reported FAILED" (issue 11): a dispatch message redelivered while its first dispatcher is
/// still submitting must not fail the recipients that dispatcher is working on. At 81f495f a chunk was claimed up
/// front, so a redelivery after the claim timeout failed every recipient still waiting for its turn, which the first
/// dispatcher then sent anyway: reached the carrier, reported FAILED. Against Azurite, with a slow carrier.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DispatchRedeliveryTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task ARedeliveryNeverFailsARecipientWhoseDispatcherIsStillSubmitting()
    {
        var customer = await app.CreateCustomerAsync(100m);
        var prefix = "+3933" + Random.Shared.Next(10_000, 99_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var numbers = Enumerable.Range(0, 12).Select(i => prefix + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var sent = await customer.SendOkAsync(new { sender = "Redeliver", recipients = numbers, body = "Slow carrier" });
        var id = sent["id"]!.GetValue<string>();

        // Two submits at a time, 400 ms each: the first dispatcher needs about 2.4 s; the claim timeout is 1 s.
        var carrier = new SlowCarrier(TimeSpan.FromMilliseconds(400));
        var router = new CarrierRouter([carrier], app.Services.GetRequiredService<IOptionsMonitor<RoutingOptions>>(), TimeProvider.System, NullLogger<CarrierRouter>.Instance);
        var options = new FixedOptions(new PipelineOptions { ClaimTimeoutSeconds = 1, SubmitConcurrency = 2 });
        var handler = ActivatorUtilities.CreateInstance<DispatchHandler>(app.Services, router, options);
        var body = new DispatchWork(1, [new DispatchItem(customer.AccountId, id)]).ToJson();

        var first = handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-slow", body, 1, "r1", DateTimeOffset.UtcNow), Ct);
        await Task.Delay(1500, Ct);
        Assert.False(first.IsCompleted);
        var redelivered = await handler.HandleAsync(new ReceivedQueueMessage(QueueNames.DispatchNormal, "q-slow", body, 2, "r2", DateTimeOffset.UtcNow), Ct);
        await first.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Each recipient reached the carrier once, and none that reached it is reported FAILED.
        Assert.Equal(numbers.Order(StringComparer.Ordinal), carrier.Submitted.Order(StringComparer.Ordinal));
        var store = app.Services.GetRequiredService<RecipientStore>();
        await foreach (var row in store.QueryAsync(id, cancellationToken: Ct))
        {
            Assert.True(row.State == "SENT", $"{row.Number} is {row.State} ({row.ErrorCode}) but reached the carrier");
        }

        Assert.NotNull(redelivered);
    }

    private sealed class SlowCarrier(TimeSpan delay) : ICarrier
    {
        public ConcurrentQueue<string> Submitted { get; } = new();

        public string Name => "Sandbox";

        public async Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, CancellationToken.None);
            Submitted.Enqueue(submission.Recipient);
            return CarrierSubmitResult.Accepted("slow-" + submission.Recipient.TrimStart('+'));
        }
    }

    private sealed class FixedOptions(PipelineOptions value) : IOptionsMonitor<PipelineOptions>
    {
        public PipelineOptions CurrentValue => value;

        public PipelineOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PipelineOptions, string?> listener) => null;
    }
}
