using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Scheduling;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>With Service Bus, FireScheduled runs once a minute and hands the sends due within its window to the queue
/// at once, held there until their time (the queue's own scheduling); later ones keep waiting in the Schedule index.</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleAheadTests(SmsAppFixture app)
{
    private static readonly string[] Soon = ["+393331234567"];
    private static readonly string[] Later = ["+393331234568"];

    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task SendsDueWithinTheWindowAreQueuedHeldUntilTheirTimeAndLaterOnesWait()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var now = DateTimeOffset.UtcNow;
        string At(TimeSpan from) => (now + from).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var soon = (await customer.SendOkAsync(new { sender = "alberto", body = "soon", recipients = Soon, scheduledAt = At(TimeSpan.FromMinutes(2)) }))["id"]!.GetValue<string>();
        var later = (await customer.SendOkAsync(new { sender = "alberto", body = "later", recipients = Later, scheduledAt = At(TimeSpan.FromMinutes(30)) }))["id"]!.GetValue<string>();
        var schedule = app.Services.GetRequiredService<ScheduleIndex>();
        var soonDue = DateTimeOffset.Parse(At(TimeSpan.FromMinutes(2)), CultureInfo.InvariantCulture);
        Assert.NotNull(await schedule.GetAsync(soon, soonDue, Ct));

        var handed = await app.Services.GetRequiredService<ScheduledDispatch>().ScheduleAheadAsync(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), 1000, Ct);

        Assert.True(handed >= 1, $"{handed} handed over");
        Assert.Null(await schedule.GetAsync(soon, soonDue, Ct)); // the queue has it now
        Assert.NotNull(await schedule.GetAsync(later, DateTimeOffset.Parse(At(TimeSpan.FromMinutes(30)), CultureInfo.InvariantCulture), Ct));
        // Held by the queue until its time: the sandbox would have reported it within a second had it been dispatched,
        // and its recipient would no longer read SCHEDULED.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        Assert.Equal("SCHEDULED", (await customer.GetMessageAsync(soon))["state"]!.GetValue<string>());
        Assert.Equal("SCHEDULED", (await customer.GetMessageAsync(later))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutAWindowNothingIsHandedAhead()
    {
        Assert.Equal(0, await app.Services.GetRequiredService<ScheduledDispatch>().ScheduleAheadAsync(DateTimeOffset.UtcNow, TimeSpan.Zero, 1000, Ct));
    }
}
