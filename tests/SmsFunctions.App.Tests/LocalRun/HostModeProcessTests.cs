using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using SmsFunctions.Testing;

namespace SmsFunctions.App.Tests.LocalRun;

/// <summary>
/// The executable as the Azure Functions host runs it: started with <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>, it listens
/// on that port, answers the host's readiness probe, serves the forwarded API, and handles replayed invocations —
/// a timer (FireScheduled) that moves an outbox row to the dispatch queue, and a Service Bus message (DispatchNormal,
/// base64 body as <c>dataType: binary</c> delivers it) that sends the SMS through the sandbox.
/// </summary>
public sealed class HostModeProcessTests : IAsyncLifetime
{
    private static readonly string[] Scopes = ["messages:send", "messages:read"];

    private readonly AzuriteFixture _azurite = new();

    public ValueTask InitializeAsync() => _azurite.InitializeAsync();

    public ValueTask DisposeAsync() => _azurite.DisposeAsync();

    [Fact]
    public async Task UnderTheFunctionsHostItAnswersReplayedTimerAndServiceBusInvocations()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = AppProcess.FreePort();
        var prefix = "host" + Guid.NewGuid().ToString("N")[..8];
        const string admin = "host-mode-admin-key-0123456789abcdef";
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = null,
            ["Sms__Storage__ConnectionString"] = _azurite.ConnectionString,
            ["Sms__Storage__TablePrefix"] = prefix,
            ["Sms__Transport"] = "StorageQueues",
            ["Sms__AdminApiKey"] = admin,
            ["Sms__Routing__DefaultCarrier"] = "Sandbox",
            ["Sms__Carriers__Sandbox__ReceiptDelayMilliseconds"] = "20",
            ["Sms__Pipeline__EnqueueOnAccept"] = "false",
            ["Sms__Pipeline__OutboxGraceSeconds"] = "0",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // The host polls GET / until anything answers.
        HttpResponseMessage? probe = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && probe is null && !app.HasExited; await Task.Delay(100, ct))
        {
            try { probe = await http.GetAsync(new Uri("/", UriKind.Relative), ct); } catch (HttpRequestException) { }
        }

        Assert.True(probe is not null, "The custom handler never answered GET /:\n" + app.Output);
        Assert.Equal(HttpStatusCode.OK, probe!.StatusCode);

        // The API, forwarded as-is: an account, a token, a message left in the outbox (the immediate enqueue is off).
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        var account = await Data(await http.PostAsJsonAsync("/api/accounts", new { name = "host", credit = 10, currency = "EUR" }, ct), ct);
        var token = await Data(await http.PostAsJsonAsync("/api/tokens", new { accountId = account["id"]!.GetValue<string>(), scopes = Scopes, expiresAt = DateTimeOffset.UtcNow.AddHours(1) }, ct), ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["token"]!.GetValue<string>());
        var message = await Data(await http.PostAsJsonAsync("/api/messages", new { sender = "HostMode", recipient = "+393331234567", message = "Replayed" }, ct), ct);
        var id = message["id"]!.GetValue<string>();

        var schedule = new TableClient(_azurite.ConnectionString, prefix + "Schedule");
        Assert.Single(schedule.Query<TableEntity>(e => e.RowKey == id, cancellationToken: ct));

        // A timer invocation exactly as the host sends it (no ScheduleStatus on a first run).
        using var timer = await http.PostAsync(new Uri("/FireScheduled", UriKind.Relative), Json("""
            { "Data": { "timer": { "Schedule": { "AdjustForDST": true }, "ScheduleStatus": null, "IsPastDue": false } },
              "Metadata": { "sys": { "MethodName": "FireScheduled", "UtcNow": "2026-11-23T12:00:00.0123Z", "RandGuid": "0f4b7c8e-0000-0000-0000-000000000000" } } }
            """), ct);
        Assert.Equal(HttpStatusCode.OK, timer.StatusCode);
        Assert.StartsWith("application/json", timer.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var timerBody = JsonNode.Parse(await timer.Content.ReadAsStringAsync(ct))!.AsObject();
        Assert.True(timerBody.ContainsKey("Outputs") && timerBody.ContainsKey("Logs") && timerBody.ContainsKey("ReturnValue"), timerBody.ToJsonString());
        Assert.Empty(schedule.Query<TableEntity>(e => e.RowKey == id, cancellationToken: ct));

        // What FireScheduled queued is what a Service Bus trigger would deliver: replay it as the host would.
        var queue = new QueueClient(_azurite.ConnectionString, "sms-dispatch-normal", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var queued = (await queue.ReceiveMessagesAsync(32, cancellationToken: ct)).Value.Select(m => m.Body.ToString()).ToList();
        var envelope = Assert.Single(queued, b => b.Contains(id, StringComparison.Ordinal));
        var body = JsonNode.Parse(envelope)?["body"]?.GetValue<string>() ?? envelope;
        using var dispatch = await http.PostAsync(new Uri("/DispatchNormal", UriKind.Relative), Json($$"""
            { "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}" },
              "Metadata": { "MessageId": "\"d-{{id}}-0\"", "DeliveryCount": "1", "LockToken": "\"6b2a0c1e-1d1b-4a5e-9c7d-5e2f3a4b5c6d\"",
                            "EnqueuedTimeUtc": "\"2026-11-23T12:00:00\"", "SequenceNumber": "17", "ContentType": "\"application/json\"" } }
            """), ct);
        Assert.Equal(HttpStatusCode.OK, dispatch.StatusCode);
        Assert.NotNull(JsonNode.Parse(await dispatch.Content.ReadAsStringAsync(ct))!["Outputs"]);

        JsonObject? recipient = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(100, ct))
        {
            recipient = await Data(await http.GetAsync(new Uri($"/api/messages/{id}/recipients/%2B393331234567", UriKind.Relative), ct), ct);
            if (recipient["state"]?.GetValue<string>() == "DELIVERED") { break; }
        }

        Assert.Equal("DELIVERED", recipient?["state"]?.GetValue<string>());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> Data(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            var data = JsonNode.Parse(text)!["data"];
            return data as JsonObject ?? (JsonObject)((JsonArray)data!)[0]!;
        }
    }
}
