using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SmsFunctions.Testing.Faults;

namespace SmsFunctions.Reliability.Tests;

/// <summary>
/// Scenario b: clients that hang up at random points of a request — single sends (POST), recipients added to an
/// open transaction (PUT) and cancellations of scheduled messages (DELETE). Whatever the server had done by then
/// must stay consistent: nothing sent unpaid, nothing charged that was not stored, every final state called back.
/// </summary>
[Collection(nameof(ReliabilityCollection))]
public sealed class ClientDisconnectScenarioTests(ReliabilityFixture fixture)
{
    private const int Posts = 60;
    private const int Transactions = 3;
    private const int PutsPerTransaction = 4;
    private const int RecipientsPerPut = 150;
    private const int Cancellations = 5;
    private const int RecipientsPerCancellation = 60;

    [Fact]
    public async Task ClientsHangingUpMidPostPutAndDeleteLeaveNothingUnpaidOvercharged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await FaultScenario.StartAsync("b. client disconnects in POST, PUT and DELETE", fixture, kannel: false, faultProxy: false, cancellationToken: ct);
        var random = new Random(20261203);
        var accepted = new List<string>();
        var next = 0;
        var disconnects = 0;

        // POST: single sends cut off after 5–400 ms (some are answered first).
        await Parallel.ForEachAsync(Enumerable.Range(0, Posts), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (_, token) =>
        {
            int i, cutAfter;
            lock (random) { i = next++; cutAfter = random.Next(5, 400); }
            var (status, id) = await HangUpAsync(scenario, HttpMethod.Post, "/api/messages",
                $$"""{"sender":"Hangup","recipients":["{{scenario.Number(i)}}"],"body":"k {{scenario.Key(i)}}"{{Callback(scenario)}}}""", cutAfter, token);
            lock (accepted)
            {
                if (status == 201) { accepted.Add(id!); } else { disconnects++; }
            }
        });

        // PUT: open transactions, each given recipients by requests cut off after 50–1500 ms, then closed.
        for (var t = 0; t < Transactions; t++)
        {
            var first = next++;
            var draft = await FaultScenario.DataAsync(await scenario.Client.PostAsync(new Uri("/api/messages", UriKind.Relative), Json(
                $$"""{"sender":"Hangup","recipients":["{{scenario.Number(first)}}"],"body":"k {{scenario.Key(first)}}","options":{"transaction":true}{{Callback(scenario)}}}"""), ct), ct);
            var id = draft["id"]!.GetValue<string>();
            accepted.Add(id);
            for (var p = 0; p < PutsPerTransaction; p++)
            {
                var numbers = Enumerable.Range(next, RecipientsPerPut).Select(scenario.Number).ToList();
                next += RecipientsPerPut;
                var (status, _) = await HangUpAsync(scenario, HttpMethod.Put, $"/api/messages/{id}",
                    "{\"recipients\":[" + string.Join(',', numbers.Select(n => $"\"{n}\"")) + "]}", random.Next(50, 1500), ct);
                if (status != 200) { disconnects++; }
            }

            await CloseAsync(scenario, id, ct);
        }

        // DELETE: scheduled messages whose cancellation is cut off after 5–300 ms.
        var due = DateTimeOffset.UtcNow.AddSeconds(15).ToString("O", CultureInfo.InvariantCulture);
        for (var c = 0; c < Cancellations; c++)
        {
            var numbers = Enumerable.Range(next, RecipientsPerCancellation).Select(scenario.Number).ToList();
            next += RecipientsPerCancellation;
            var message = await FaultScenario.DataAsync(await scenario.Client.PostAsync(new Uri("/api/messages", UriKind.Relative), Json(
                "{\"sender\":\"Hangup\",\"recipients\":[" + string.Join(',', numbers.Select(n => $"\"{n}\"")) + $$"""],"body":"k {{scenario.TablePrefix}}-c{{c}}","scheduledAt":"{{due}}"{{Callback(scenario)}}}"""), ct), ct);
            var id = message["id"]!.GetValue<string>();
            accepted.Add(id);
            var (status, _) = await HangUpAsync(scenario, HttpMethod.Delete, $"/api/messages/{id}", null, random.Next(5, 300), ct);
            if (status is not (200 or 204)) { disconnects++; }
        }

        // Check only once the scheduled messages are due and past the slack a schedule may take: until then a
        // recipient left SCHEDULED by a cut-off cancellation is indistinguishable from one legitimately waiting.
        var check = DateTimeOffset.Parse(due, CultureInfo.InvariantCulture) + InvariantChecker.ScheduleSlack + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (check > TimeSpan.Zero) { await Task.Delay(check, ct); }
        var report = await scenario.CheckAsync([], accepted, TimeSpan.FromSeconds(60), cancellationToken: ct);
        TestContext.Current.SendDiagnosticMessage($"b: {disconnects} requests were cut off by their client");
        Assert.True(disconnects >= 10, $"only {disconnects} requests were cut off: the scenario did not test disconnects");
        Assert.True(report.Holds, report.ToString());
    }

    private static string Callback(FaultScenario scenario) => $$""","callback":{"url":"{{scenario.CallbackUrl}}","method":"JSON","field":"data","retry":10}""";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Sends the request and hangs up after <paramref name="cutAfterMilliseconds"/> unless answered; the
    /// status (null when cut off) and, for a 201, the message id.</summary>
    private static async Task<(int? Status, string? Id)> HangUpAsync(FaultScenario scenario, HttpMethod method, string path, string? json, int cutAfterMilliseconds, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = scenario.Gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", scenario.Token);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cut.CancelAfter(cutAfterMilliseconds);
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = json is null ? null : Json(json) };
            using var response = await http.SendAsync(request, cut.Token);
            var text = await response.Content.ReadAsStringAsync(cut.Token);
            var id = (int)response.StatusCode == 201 ? JsonNode.Parse(text)?["data"]?[0]?["id"]?.GetValue<string>() : null;
            return ((int)response.StatusCode, id);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null);
        }
    }

    /// <summary>Closes the transaction, retrying until the server answers (a close is not cut off).</summary>
    private static async Task CloseAsync(FaultScenario scenario, string id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var response = await scenario.Client.PutAsync(new Uri($"/api/messages/{id}", UriKind.Relative), Json("{\"transaction\":false}"), cancellationToken);
            if (response.IsSuccessStatusCode) { return; }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            Assert.True((int)response.StatusCode is 409 or >= 500, $"closing {id}: {(int)response.StatusCode} {text}");
            await Task.Delay(500, cancellationToken);
        }

        Assert.Fail($"The transaction {id} could not be closed.");
    }
}
