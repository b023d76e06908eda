using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Triggers;

public static class TriggerServiceCollectionExtensions
{
    /// <summary>
    /// The trigger runtime: options from <c>Sms:Runtime</c> (validated on start), the function catalog, the local queue
    /// listeners and timers (hosted services that stay idle in host mode, when <c>Sms:Runtime:LocalTriggers</c> is false,
    /// and — for queues — when no <c>IQueueReceiver</c> is registered), and what <c>MapFunctionInvocations</c> needs.
    /// </summary>
    public static IServiceCollection AddTriggerRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TriggerRuntimeOptions>()
            .Bind(configuration.GetSection(TriggerRuntimeOptions.SectionName))
            .ValidateOnStart();
        AddCore(services);
        services.AddHostedService<LocalQueueRuntime>();
        services.AddHostedService<LocalTimerRuntime>();
        services.AddHostedService<DeadLetterGaugeRefresher>();
        return services;
    }

    /// <summary>Registers a queue-triggered function: the host calls it <paramref name="functionName"/> (its folder in
    /// FunctionDefinitions/), the local runtime drains <paramref name="queueName"/>. The handler is resolved from a new
    /// scope per message (registered scoped here unless already registered).</summary>
    public static IServiceCollection AddQueueFunction<THandler>(this IServiceCollection services, string functionName, string queueName, string bindingName = QueueFunction.DefaultBindingName)
        where THandler : class, IQueueMessageHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentException.ThrowIfNullOrWhiteSpace(bindingName);
        AddCore(services);
        services.TryAddScoped<THandler>();
        services.AddSingleton(new QueueFunction(functionName, queueName, typeof(THandler), bindingName));
        return services;
    }

    /// <summary>Registers a timer-triggered function with a six-field cron schedule (seconds first, UTC), the same
    /// schedule its function.json gives the host; an invalid schedule throws here.</summary>
    public static IServiceCollection AddTimerFunction<THandler>(this IServiceCollection services, string functionName, string cronSchedule, string bindingName = TimerFunction.DefaultBindingName)
        where THandler : class, ITimerHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        ArgumentException.ThrowIfNullOrWhiteSpace(cronSchedule);
        ArgumentException.ThrowIfNullOrWhiteSpace(bindingName);
        AddCore(services);
        services.TryAddScoped<THandler>();
        services.AddSingleton(new TimerFunction(functionName, cronSchedule, typeof(THandler), bindingName));
        return services;
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddLogging();
        services.AddOptions<TriggerRuntimeOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TriggerRuntimeOptions>, TriggerRuntimeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FunctionCatalog>();
        services.TryAddSingleton<QueueFunctionInvoker>();
        services.TryAddSingleton<TimerFunctionInvoker>();
        services.TryAddSingleton<DeadLetterMonitor>();
    }
}
