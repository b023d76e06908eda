using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers.Fakes;

/// <summary>The trigger runtime wired as the app wires it, over <see cref="InMemoryQueues"/> and scripted handlers;
/// the dispatch bands and the callbacks queue are registered like the real functions.</summary>
internal sealed class LocalRuntimeHarness : IAsyncDisposable
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hosted;

    private LocalRuntimeHarness(ServiceProvider services, InMemoryQueues queues, QueueHandlerScript script)
    {
        _services = services;
        Queues = queues;
        Script = script;
        _hosted = [.. services.GetServices<IHostedService>()];
    }

    public InMemoryQueues Queues { get; }

    public QueueHandlerScript Script { get; }

    public static LocalRuntimeHarness Create(IDictionary<string, string?>? settings = null, InMemoryQueues? queues = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Sms:Runtime:IdlePollMinMilliseconds"] = "1",
            ["Sms:Runtime:IdlePollMaxMilliseconds"] = "5",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        queues ??= new InMemoryQueues();
        var script = new QueueHandlerScript();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(script);
        services.AddSingleton<IQueueReceiver>(queues);
        services.AddSingleton<IQueueSender>(queues);
        services.AddSingleton<SmsFunctions.Queues.DeadLetters.IDeadLetterRecorder>(queues);
        services.AddTriggerRuntime(configuration);
        services.AddQueueFunction<ScriptedQueueHandler>("DispatchHigh", QueueNames.DispatchHigh);
        services.AddQueueFunction<ScriptedQueueHandler>("DispatchNormal", QueueNames.DispatchNormal);
        services.AddQueueFunction<ScriptedQueueHandler>("DispatchLow", QueueNames.DispatchLow);
        services.AddQueueFunction<ScriptedQueueHandler>("DeliverCallback", QueueNames.Callbacks);
        return new LocalRuntimeHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }), queues, script);
    }

    public async Task StartAsync()
    {
        foreach (var service in _hosted)
        {
            await service.StartAsync(TestContext.Current.CancellationToken);
        }
    }

    public async Task StopAsync()
    {
        foreach (var service in _hosted)
        {
            await service.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    public Task<Settlement> NextSettlementAsync() => ReadAsync(Queues.Settlements);

    public async Task<IReadOnlyList<Settlement>> SettlementsAsync(int count)
    {
        var settlements = new List<Settlement>(count);
        for (var i = 0; i < count; i++)
        {
            settlements.Add(await NextSettlementAsync());
        }
        return settlements;
    }

    public static async Task<T> ReadAsync<T>(System.Threading.Channels.ChannelReader<T> reader)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EventTimeout);
        return await reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}
