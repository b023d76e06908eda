using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Triggers;

internal sealed class TriggerRuntimeOptionsValidator : IValidateOptions<TriggerRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, TriggerRuntimeOptions options)
    {
        var failures = new List<string>();
        Check(options.MaxConcurrency is >= 1 and <= 1024, "Sms:Runtime:MaxConcurrency must be between 1 and 1024.");
        Check(options.ReceiveBatchSize is >= 1 and <= 32, "Sms:Runtime:ReceiveBatchSize must be between 1 and 32.");
        Check(options.VisibilityTimeoutSeconds is >= 1 and <= 7 * 24 * 3600, "Sms:Runtime:VisibilityTimeoutSeconds must be between 1 and 604800.");
        Check(options.MaxDeliveryCount >= 1, "Sms:Runtime:MaxDeliveryCount must be at least 1.");
        Check(options.ShutdownGraceSeconds >= 0, "Sms:Runtime:ShutdownGraceSeconds must not be negative.");
        Check(options.IdlePollMinMilliseconds >= 1, "Sms:Runtime:IdlePollMinMilliseconds must be at least 1.");
        Check(options.IdlePollMaxMilliseconds >= options.IdlePollMinMilliseconds, "Sms:Runtime:IdlePollMaxMilliseconds must not be below IdlePollMinMilliseconds.");
        Check(options.HighBandWeight >= 1 && options.NormalBandWeight >= 1 && options.LowBandWeight >= 1, "Sms:Runtime band weights must be at least 1, or a band would starve.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool condition, string failure)
        {
            if (!condition)
            {
                failures.Add(failure);
            }
        }
    }
}
