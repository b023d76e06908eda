using Cronos;

namespace SmsFunctions.App.Triggers;

/// <summary>A timer-triggered function with its six-field (seconds first) cron schedule, evaluated in UTC.</summary>
public sealed record TimerFunction(string FunctionName, string Schedule, Type HandlerType, string BindingName = TimerFunction.DefaultBindingName)
{
    public const string DefaultBindingName = "timer";

    public CronExpression Cron { get; } = CronExpression.Parse(Schedule, CronFormat.IncludeSeconds);
}
