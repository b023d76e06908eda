namespace SmsFunctions.App.Triggers;

/// <summary>How long a message that made its handler throw waits before it is delivered again, by delivery count:
/// 2 s → 10 s → 30 s → 1 min → 2 min → 5 min (then 5 min), until MaxDeliveryCount turns it into a poison message.</summary>
public static class RetryBackoff
{
    public static IReadOnlyList<TimeSpan> Schedule { get; } =
    [
        TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(5),
    ];

    public static TimeSpan ForDeliveryCount(int deliveryCount) =>
        Schedule[Math.Clamp(deliveryCount, 1, Schedule.Count) - 1];
}
