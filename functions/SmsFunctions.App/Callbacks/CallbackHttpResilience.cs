using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace SmsFunctions.App.Callbacks;

/// <summary>The webhook client's resilience pipeline: a limit per attempt, read from <see cref="CallbackOptions"/> at
/// each attempt. No retry here: a failed webhook is retried by re-queuing it with a delay, which survives a restart.</summary>
internal static class CallbackHttpResilience
{
    public const string PipelineName = "webhook-attempt";

    public static IHttpResiliencePipelineBuilder AddCallbackAttemptTimeout(this IHttpClientBuilder builder) =>
        builder.AddResilienceHandler(PipelineName, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<CallbackOptions>>();
            pipeline.AddTimeout(new HttpTimeoutStrategyOptions
            {
                TimeoutGenerator = _ => ValueTask.FromResult(TimeSpan.FromSeconds(options.CurrentValue.TimeoutSeconds)),
            });
        });
}
