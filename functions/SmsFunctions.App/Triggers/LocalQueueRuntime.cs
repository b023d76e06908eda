using Microsoft.Extensions.Options;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// The local run's queue triggers: one <see cref="QueueListener"/> per <see cref="QueueListenerPlan"/>. Runs only when
/// local triggers are on, the app is not under the Functions host, and the transport can receive (Storage Queues;
/// with Service Bus there is no <see cref="IQueueReceiver"/> and the host's triggers receive).
/// </summary>
internal sealed partial class LocalQueueRuntime(
    IServiceProvider services,
    FunctionCatalog catalog,
    QueueFunctionInvoker invoker,
    IOptions<TriggerRuntimeOptions> options,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<LocalQueueRuntime>();
    private readonly List<QueueListener> _listeners = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!TriggerRuntimeMode.RunsLocalTriggers(settings) || catalog.QueueFunctions.Count == 0)
        {
            return Task.CompletedTask;
        }
        var receiver = services.GetService<IQueueReceiver>();
        if (receiver is null)
        {
            LogNoReceiver(_logger);
            return Task.CompletedTask;
        }
        var sender = services.GetService<IQueueSender>();
        var listenerLogger = loggers.CreateLogger<QueueListener>();
        foreach (var plan in QueueListenerPlan.Create(catalog.QueueFunctions, settings))
        {
            var listener = new QueueListener(plan, receiver, sender, invoker, settings, time, listenerLogger);
            _listeners.Add(listener);
            LogListenerStarted(_logger, plan.Name, string.Join(", ", plan.Bands.Select(b => $"{b.Function.QueueName}×{b.Weight}")), settings.MaxConcurrency);
            listener.Start();
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_listeners.Select(l => l.StopAsync(cancellationToken)));

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No queue receiver is registered (Service Bus transport): local queue listeners are off")]
    private static partial void LogNoReceiver(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue listener {ListenerName} started on {Queues} with up to {MaxConcurrency} handlers at once")]
    private static partial void LogListenerStarted(ILogger logger, string listenerName, string queues, int maxConcurrency);
}
