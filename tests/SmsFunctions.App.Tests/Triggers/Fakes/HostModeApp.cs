using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers.Fakes;

/// <summary>A minimal web app on 127.0.0.1:0 with only the trigger runtime, fake handlers and an in-memory queue
/// transport — what the Functions host would talk to, without the rest of the app.</summary>
internal sealed class HostModeApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostModeApp(WebApplication app, InMemoryQueues queues, QueueHandlerScript queueScript, TimerHandlerScript timerScript, HttpClient client)
    {
        _app = app;
        Queues = queues;
        QueueScript = queueScript;
        TimerScript = timerScript;
        Client = client;
    }

    public InMemoryQueues Queues { get; }

    public QueueHandlerScript QueueScript { get; }

    public TimerHandlerScript TimerScript { get; }

    public HttpClient Client { get; }

    /// <param name="remoteAddress">When set, every request is seen as coming from this address (a caller that is not
    /// the Functions host on loopback).</param>
    public static async Task<HostModeApp> StartAsync(bool hostMode = true, int maxDeliveryCount = 5, System.Net.IPAddress? remoteAddress = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Runtime:HostMode"] = hostMode ? "true" : "false",
            ["Sms:Runtime:MaxDeliveryCount"] = maxDeliveryCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var queues = new InMemoryQueues();
        var queueScript = new QueueHandlerScript();
        var timerScript = new TimerHandlerScript();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(queueScript);
        builder.Services.AddSingleton(timerScript);
        builder.Services.AddSingleton<IQueueSender>(queues);
        builder.Services.AddSingleton<IQueueReceiver>(queues);
        builder.Services.AddSingleton<SmsFunctions.Queues.DeadLetters.IDeadLetterRecorder>(queues);
        builder.Services.AddTriggerRuntime(builder.Configuration);
        builder.Services.AddQueueFunction<ScriptedQueueHandler>("DispatchHigh", QueueNames.DispatchHigh);
        builder.Services.AddQueueFunction<ScriptedQueueHandler>("DeliverCallback", QueueNames.Callbacks);
        builder.Services.AddTimerFunction<ScriptedTimerHandler>("Sweep", "0 * * * * *");

        var app = builder.Build();
        if (remoteAddress is not null)
        {
            app.Use((context, next) =>
            {
                context.Connection.RemoteIpAddress = remoteAddress;
                return next(context);
            });
        }

        app.MapFunctionInvocations();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient { BaseAddress = new Uri(address) };
        return new HostModeApp(app, queues, queueScript, timerScript, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
