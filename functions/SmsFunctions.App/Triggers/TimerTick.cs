namespace SmsFunctions.App.Triggers;

/// <summary>One firing of a timer: when it ran, whether it ran late (missed or delayed occurrence), and when the
/// previous occurrence was (null when unknown, e.g. the first run).</summary>
public sealed record TimerTick(DateTimeOffset Now, bool IsPastDue, DateTimeOffset? Last);
