using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Core.Retry;

namespace SmsFunctions.Core.Tests.Retry;

public class RetryScheduleTests
{
    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    [Fact]
    public void CarrierSubmitRetriesAfterOneFiveFifteenSecondsThenGivesUp()
    {
        var schedule = RetrySchedules.CarrierSubmit with { };
        var noJitter = new RetrySchedule(schedule.Delays, 0, schedule.MaxAttempts);
        var random = new Random(1);

        Assert.Equal(new RetryDecision.RetryAfter(Seconds(1), 2), noJitter.NextAttempt(1, random));
        Assert.Equal(new RetryDecision.RetryAfter(Seconds(5), 3), noJitter.NextAttempt(2, random));
        Assert.Equal(new RetryDecision.RetryAfter(Seconds(15), 4), noJitter.NextAttempt(3, random));
        Assert.IsType<RetryDecision.GiveUp>(noJitter.NextAttempt(4, random));
    }

    [Fact]
    public void JitterStaysWithinTheFractionAndIsReproducibleWithASeed()
    {
        var schedule = RetrySchedules.CarrierSubmit;

        var first = Enumerable.Range(0, 200).Select(_ => schedule.NextAttempt(2, new Random(42))).Distinct().Single();
        var spread = Enumerable.Range(0, 1_000).Select(i => ((RetryDecision.RetryAfter)schedule.NextAttempt(2, new Random(i))).Delay).ToList();

        Assert.IsType<RetryDecision.RetryAfter>(first);
        Assert.All(spread, d => Assert.InRange(d, Seconds(4), Seconds(6)));
        Assert.True(spread.Distinct().Count() > 100);
    }

    [Fact]
    public void ExponentialScheduleMultipliesAndCaps()
    {
        var schedule = RetrySchedule.Exponential(Seconds(5), 3.0, TimeSpan.FromMinutes(10), 7, 0);

        Assert.Equal([Seconds(5), Seconds(15), Seconds(45), Seconds(135), Seconds(405), Seconds(600), Seconds(600)], schedule.Delays);
        Assert.Equal(8, schedule.MaxAttempts);
    }

    [Fact]
    public void WebhookDefaultsToThreeRetries()
    {
        var schedule = RetrySchedules.Webhook();

        Assert.Equal(4, schedule.MaxAttempts);
        Assert.Equal([Seconds(5), Seconds(15), Seconds(45)], schedule.Delays);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 11)]
    [InlineData(50, 11)]
    [InlineData(-3, 1)]
    public void WebhookRetriesAreCappedAtTen(int retries, int maxAttempts)
        => Assert.Equal(maxAttempts, RetrySchedules.Webhook(retries).MaxAttempts);

    [Fact]
    public void ScheduleWithoutRetriesGivesUpAfterTheFirstAttempt()
        => Assert.IsType<RetryDecision.GiveUp>(RetrySchedules.Webhook(0).NextAttempt(1, new Random(1)));

    [Fact]
    public void LastDelayRepeatsWhenTheListIsShort()
    {
        var schedule = new RetrySchedule([Seconds(2)], 0, 5);

        Assert.Equal(new RetryDecision.RetryAfter(Seconds(2), 5), schedule.NextAttempt(4, new Random(1)));
    }

    [Fact]
    public void SchedulesCompareByValue()
        => Assert.Equal(RetrySchedules.Webhook(3), RetrySchedule.Exponential(Seconds(5), 3.0, TimeSpan.FromMinutes(10), 3, 0.2));

    [Fact]
    public void InvalidSchedulesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule([Seconds(1)], 1.5, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule([Seconds(1)], 0, 0));
        Assert.Throws<ArgumentException>(() => new RetrySchedule([], 0, 2));
        Assert.Throws<ArgumentException>(() => new RetrySchedule([Seconds(-1)], 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedules.CarrierSubmit.NextAttempt(0, new Random(1)));
    }

    [Fact]
    public void ClockTurnsDecisionsIntoDueTimes()
    {
        var now = new DateTimeOffset(2026, 1, 28, 11, 21, 20, TimeSpan.Zero);
        var clock = new RetryClock(new FakeTimeProvider(now), new Random(3));
        var schedule = new RetrySchedule([Seconds(1), Seconds(5)], 0, 3);

        Assert.Equal(now + Seconds(5), clock.NextDueAt(schedule, 2));
        Assert.Null(clock.NextDueAt(schedule, 3));
    }

    [Fact]
    public void ClockFollowsTheInjectedTime()
    {
        var time = new FakeTimeProvider();
        var clock = new RetryClock(time, new Random(3));
        var decision = new RetryDecision.RetryAfter(Seconds(30), 2);
        var before = clock.DueAt(decision);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(before + TimeSpan.FromMinutes(1), clock.DueAt(decision));
        Assert.Null(clock.DueAt(RetryDecision.GiveUp.Instance));
    }
}
