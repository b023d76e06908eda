using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.Testing;
using SmsFunctions.Testing.Faults;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// Seed 003's promise about <c>priority</c>: with 1,000 messages queued at 1.00, one sent at 1.01 jumps the queue. One
/// gateway accepts and queues them without dispatching (local triggers off); a second gateway on the same storage then
/// dispatches to the sandbox carrier, whose submission log is the order in which the carrier received them.
/// </summary>
public sealed class PriorityTests : IAsyncLifetime
{
    private const int Queued = 1000;

    private readonly AzuriteFixture _azurite = new();
    private readonly string _prefix = "pr" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"smsfunctions-priority-{Guid.NewGuid():N}.log");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _azurite.InitializeAsync();

    [Fact]
    public async Task OneMessageAtPriority101ReachesTheCarrierBeforeNinetyPercentOfAThousandQueuedAt100()
    {
        string urgentId;
        var ids = new List<string>();
        await using (var accepting = await GatewayHost.StartAsync(Settings(localTriggers: false), cancellationToken: Ct))
        {
            var customer = await accepting.CreateCustomerAsync(1000m, Ct);
            using var gate = new SemaphoreSlim(8);
            var sends = Enumerable.Range(0, Queued).Select(async i =>
            {
                await gate.WaitAsync(Ct);
                try
                {
                    return await customer.SendAsync(new { sender = "MyCompany", recipient = Number(i), body = "queued " + i, priority = 1.00m }, Ct);
                }
                finally
                {
                    gate.Release();
                }
            });
            ids.AddRange(await Task.WhenAll(sends));
            urgentId = await customer.SendAsync(new { sender = "MyCompany", recipient = Number(Queued), body = "urgent", priority = 1.01m }, Ct);

            // Every message handed to its dispatch queue (its outbox row gone) before anything dispatches.
            var outbox = accepting.Services.GetRequiredService<SmsFunctions.Storage.Scheduling.ScheduleIndex>();
            var ours = ids.Append(urgentId).ToHashSet(StringComparer.Ordinal);
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while ((await outbox.QueryDueAsync(DateTimeOffset.UtcNow.AddMinutes(5), 10_000, Ct)).Count(r => ours.Contains(r.MessageId)) is var left and > 0)
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"{left} messages still wait in the outbox");
                await Task.Delay(200, Ct);
            }
        }

        Assert.Empty(CarrierRecord.FromSandboxLog(_log));
        await using (await GatewayHost.StartAsync(Settings(localTriggers: true), cancellationToken: Ct))
        {
            var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
            while (CarrierRecord.FromSandboxLog(_log).Count < Queued + 1)
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"only {CarrierRecord.FromSandboxLog(_log).Count} of {Queued + 1} reached the carrier");
                await Task.Delay(200, Ct);
            }
        }

        var order = CarrierRecord.FromSandboxLog(_log).Select(r => r.MessageId).ToList();
        var position = order.IndexOf(urgentId);
        var queued = ids.ToHashSet(StringComparer.Ordinal);
        var after = order.Skip(position + 1).Count(id => id is not null && queued.Contains(id));
        TestContext.Current.SendDiagnosticMessage($"priority 1.01 reached the carrier as number {position + 1} of {order.Count}; {after} of {Queued} at 1.00 after it");
        Assert.True(position >= 0, "the urgent message never reached the carrier");
        Assert.True(after >= Queued * 9 / 10, $"the message at 1.01 was number {position + 1} of {order.Count}: only {after} of {Queued} at 1.00 reached the carrier after it");
    }

    private static string Number(int i) => "+39347" + (1_000_000 + i).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);

    private Dictionary<string, string?> Settings(bool localTriggers) => new()
    {
        ["Sms:Storage:ConnectionString"] = _azurite.ConnectionString,
        ["Sms:Storage:TablePrefix"] = _prefix,
        ["Sms:Runtime:LocalTriggers"] = localTriggers ? "true" : "false",
        ["Sms:Routing:DefaultCarrier"] = "Sandbox",
        ["Sms:Routing:Rules:IT:0"] = "Sandbox",
        ["Sms:Carriers:Sandbox:SubmissionLogPath"] = _log,
    };

    public async ValueTask DisposeAsync()
    {
        await _azurite.DisposeAsync();
        try { File.Delete(_log); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
