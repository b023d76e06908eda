using Cronos;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// When a local timer fires next. The next occurrence counts from the later of the occurrence just served and the time
/// its run started, so a timer that fell behind (a run longer than its period, a suspended process) fires once, marked
/// past due, instead of in a burst for every missed occurrence.
/// </summary>
internal static class TimerSchedule
{
    /// <summary>A tick later than this after its occurrence is reported as past due.</summary>
    public static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(1);

    public static DateTimeOffset? Next(CronExpression cron, DateTimeOffset after) =>
        cron.GetNextOccurrence(after, TimeZoneInfo.Utc);

    public static DateTimeOffset? NextAfterRun(CronExpression cron, DateTimeOffset served, DateTimeOffset runStarted) =>
        Next(cron, served > runStarted ? served : runStarted);

    public static bool IsPastDue(DateTimeOffset due, DateTimeOffset now) => now - due > PastDueTolerance;
}
