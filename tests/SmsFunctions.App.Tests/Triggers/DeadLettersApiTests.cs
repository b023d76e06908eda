using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Telemetry;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.App.Tests.Triggers;

/// <summary>Dead letters end to end on the app with the Storage-queue transport (Azurite): what the trigger runtime
/// records is counted by the admin health view, the admin API and the gauge, listed, and replayed onto its queue.</summary>
[Collection(ApiCollection.Name)]
public sealed class DeadLettersApiTests(SmsAppFixture app)
{
    private const string Queue = QueueNames.Callbacks;

    private static CancellationToken Ct => TestCancellation.Token;

    private async Task<int> CountAsync()
    {
        using var response = await app.Admin.GetAsync("/api/admin/dead-letters", Ct);
        var data = await SmsAppFixture.DataAsync(response);
        return data[Queue]![DeadLetterSources.Poison]!.GetValue<int>();
    }

    private async Task RecordAsync(string id, string reason)
    {
        var recorder = app.Services.GetRequiredService<IDeadLetterRecorder>();
        await recorder.RecordAsync(new ReceivedQueueMessage(Queue, id, """{"not":"a callback"}""", 5, "r", DateTimeOffset.UtcNow), reason, Ct);
    }

    [Fact]
    public async Task RecordedDeadLettersAreCountedListedAndReplayedOntoTheirQueue()
    {
        var before = await CountAsync();
        var id = "dl-" + Guid.NewGuid().ToString("N")[..8];
        await RecordAsync(id, "InvalidOperationException: webhook down (delivery 5 of 5)");

        Assert.Equal(before + 1, await CountAsync());

        using (var list = await app.Admin.GetAsync($"/api/admin/dead-letters/{Queue}?limit=32", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            var letters = JsonNode.Parse(await list.Content.ReadAsStringAsync(Ct))!["data"]!.AsArray();
            var letter = Assert.Single(letters, l => l!["id"]!.GetValue<string>() == id)!;
            Assert.Equal((Queue, "poison", 5, "InvalidOperationException: webhook down (delivery 5 of 5)", """{"not":"a callback"}"""),
                (letter["queue"]!.GetValue<string>(), letter["source"]!.GetValue<string>(), letter["deliveryCount"]!.GetValue<int>(),
                 letter["reason"]!.GetValue<string>(), letter["body"]!.GetValue<string>()));
        }

        var queues = app.Services.GetRequiredService<IQueueReceiver>();
        var waiting = await queues.GetApproximateCountAsync(Queue, Ct) ?? 0;
        using (var replay = await app.Admin.PostAsync($"/api/admin/dead-letters/{Queue}/replay?limit={before + 1}", null, Ct))
        {
            var data = await SmsAppFixture.DataAsync(replay);
            Assert.Equal((before + 1, 0), (data["replayed"]!.GetValue<int>(), data["failed"]!.GetValue<int>()));
        }

        Assert.Equal(0, await CountAsync());
        Assert.Equal(waiting + before + 1, await queues.GetApproximateCountAsync(Queue, Ct));
    }

    [Fact]
    public async Task AdminHealthReportsDependenciesAndDeadLettersAndAnonymousHealthOnlyItsStatus()
    {
        await RecordAsync("dl-health-" + Guid.NewGuid().ToString("N")[..8], "boom");

        using var anonymous = app.CreateClient();
        using (var plain = await anonymous.GetAsync("/api/health", Ct))
        {
            var body = JsonNode.Parse(await plain.Content.ReadAsStringAsync(Ct))!.AsObject();
            Assert.Equal("Healthy", body["status"]!.GetValue<string>());
            Assert.Equal(["status"], body.Select(p => p.Key)); // no dependencies (addresses, errors), no dead letters
        }

        using var admin = await app.Admin.GetAsync("/api/health", Ct);
        var report = JsonNode.Parse(await admin.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal("Healthy", report["dependencies"]!["tables"]!["status"]!.GetValue<string>());
        Assert.True(report["deadLetters"]![Queue]![DeadLetterSources.Poison]!.GetValue<int>() >= 1);
        Assert.Equal(0, report["deadLetters"]![QueueNames.DispatchHigh]![DeadLetterSources.Poison]!.GetValue<int>());
        Assert.Equal(
            [QueueNames.DispatchHigh, QueueNames.DispatchNormal, QueueNames.DispatchLow, QueueNames.Callbacks],
            report["deadLetters"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task TheGaugeReportsTheCountsLastRead()
    {
        await RecordAsync("dl-gauge-" + Guid.NewGuid().ToString("N")[..8], "boom");
        var measurements = new ConcurrentQueue<(long Value, string? Queue, string? Source)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SmsTelemetry.Name && instrument.Name == TriggerTelemetry.DeadLettersName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            string? queue = null, source = null;
            foreach (var (key, value) in tags)
            {
                if (key == "queue") { queue = (string?)value; }
                if (key == "source") { source = (string?)value; }
            }
            measurements.Enqueue((v, queue, source));
        });
        listener.Start();

        var expected = await CountAsync(); // an admin read refreshes the counts
        listener.RecordObservableInstruments();

        Assert.Contains(measurements, m => m.Queue == Queue && m.Source == DeadLetterSources.Poison && m.Value == expected && expected >= 1);
    }

    [Theory]
    [InlineData("GET", "/api/admin/dead-letters/no-such-queue", HttpStatusCode.NotFound, "QUEUE_NOT_FOUND")]
    [InlineData("POST", "/api/admin/dead-letters/no-such-queue/replay", HttpStatusCode.NotFound, "QUEUE_NOT_FOUND")]
    [InlineData("POST", "/api/admin/dead-letters/sms-callbacks/replay?limit=0", HttpStatusCode.BadRequest, "INVALID_VALUE")]
    [InlineData("POST", "/api/admin/dead-letters/sms-callbacks/replay?limit=1001", HttpStatusCode.BadRequest, "INVALID_VALUE")]
    [InlineData("GET", "/api/admin/dead-letters/sms-callbacks?limit=abc", HttpStatusCode.BadRequest, "INVALID_VALUE")]
    [InlineData("GET", "/api/admin/dead-letters/sms-callbacks?source=servicebus-dlq", HttpStatusCode.BadRequest, "DEAD_LETTER_SOURCE_NOT_FOUND")]
    public async Task BadInputIsAProblemWithAStableCode(string method, string path, HttpStatusCode status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await app.Admin.SendAsync(request, Ct);

        var problem = await Problem.ReadAsync(response);
        Assert.Equal(status, problem.Status);
        Assert.Equal(code, problem.Code);
    }

    [Fact]
    public async Task OnlyTheAdminKeyMaySeeOrReplayDeadLetters()
    {
        var customer = await app.CreateCustomerAsync();
        using var anonymous = app.CreateClient();

        using var noKey = await anonymous.GetAsync("/api/admin/dead-letters", Ct);
        using var token = await customer.Client.PostAsync($"/api/admin/dead-letters/{Queue}/replay", null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);
    }
}
