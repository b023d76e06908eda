using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Triggers;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Queues;
using SmsFunctions.Storage.Scheduling;

namespace SmsFunctions.App.Pipeline;

/// <summary>Registration of the dispatch pipeline: queues, carriers, receipts, callbacks, scheduler and its functions.</summary>
public static class PipelineExtensions
{
    public static IServiceCollection AddSmsPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        var serviceBus = QueueTransportServiceCollectionExtensions.ParseTransport(configuration[QueueTransportServiceCollectionExtensions.TransportKey]) == QueueTransportKind.ServiceBus;
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section)
            .PostConfigure(o => o.ScheduleAheadSeconds ??= serviceBus ? 300 : 0)
            .Validate(o => o.ScheduleAheadSeconds is >= 0 and <= 7 * 24 * 3600, "Sms:Pipeline:ScheduleAheadSeconds must be 0..604800 (the queues keep a message 7 days).")
            .Validate(o => o.ChunkSize is >= 1 and <= 2000, "Sms:Pipeline:ChunkSize must be 1..2000 (a chunk must fit in one 64 KB queue message).")
            .Validate(o => o.SubmitConcurrency is >= 1 and <= 256, "Sms:Pipeline:SubmitConcurrency must be 1..256.")
            .ValidateOnStart();
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section)
            .Validate(o => o.TimeoutSeconds is >= 1 and <= 60, "Sms:Callbacks:TimeoutSeconds must be 1..60.")
            .ValidateOnStart();

        services.AddQueueTransport(configuration);
        services.AddCarriers(configuration);
        services.AddTriggerRuntime(configuration);

        services.AddSingleton<RecipientRanges>();
        services.AddSingleton<AcceptedRows>();
        services.AddSingleton<MessageStamp>();
        services.AddSingleton<SmsFunctions.Storage.Messages.IRecipientRowStore>(sp => sp.GetRequiredService<SmsFunctions.Storage.Messages.RecipientStore>());
        services.AddSingleton<RecipientOwner>();
        services.AddSingleton<IRecipientOwner>(sp => sp.GetRequiredService<RecipientOwner>());
        services.AddSingleton<ClaimRegistry>();
        services.AddSingleton<IRefundLedger, CreditLedgerRefunds>();
        services.AddSingleton<RecipientRefunds>();
        services.AddSingleton<MessageHeaderCache>();
        services.AddSingleton<CallbackEnqueuer>();
        services.AddSingleton<DispatchEnqueuer>();
        services.Replace(ServiceDescriptor.Singleton<IAcceptedMessageNotifier>(sp => sp.GetRequiredService<DispatchEnqueuer>()));
        services.AddSingleton<IDeliveryReceiptSink, ReceiptApplier>();
        services.AddSingleton<ScheduledDispatch>();
        services.AddSingleton<AcceptanceRecovery>();
        services.AddSingleton<CallbackAttemptStore>();
        services.AddSingleton<CallbackHostSlots>();
        services.AddSingleton<CallbackClaims>();

        // Webhooks: a pooled client whose every connection re-checks the target address (no DNS rebinding to
        // private networks), no automatic redirects (a redirect could lead inside), and no proxy (a proxy from the
        // environment would connect in our place, past the connect-time check).
        services.AddHttpClient<CallbackThrower>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<CallbackOptions>>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    MaxConnectionsPerServer = 32,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    ConnectCallback = CallbackTargetGuard.ConnectCallback(() => options.CurrentValue.AllowPrivateNetworks),
                };
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddCallbackAttemptTimeout();

        // The functions, with the names and schedules of FunctionDefinitions/*/function.json.
        services.AddQueueFunction<DispatchHandler>("DispatchHigh", QueueNames.DispatchHigh);
        services.AddQueueFunction<DispatchHandler>("DispatchNormal", QueueNames.DispatchNormal);
        services.AddQueueFunction<DispatchHandler>("DispatchLow", QueueNames.DispatchLow);
        services.AddQueueFunction<DeliverCallbackHandler>("DeliverCallback", QueueNames.Callbacks);
        services.AddTimerFunction<FireScheduledHandler>(FireScheduledHandler.FunctionName, FireScheduledHandler.Schedule);
        services.AddTimerFunction<SweepHandler>(SweepHandler.FunctionName, SweepHandler.Schedule);
        services.AddHostedService<ReceiptBaseUrlDefault>();
        return services;
    }

    public static IEndpointRouteBuilder MapSmsPipeline(this IEndpointRouteBuilder endpoints)
    {
        // Outside the API's group: capped here (the client-address limit covers every /api route).
        endpoints.MapKannelReceipts().WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(KannelReceiptEndpoint.MaxBodyBytes))
            .RequireKannelSource();
        endpoints.MapCallbackAttemptsApi();
        endpoints.MapFunctionInvocations();
        return endpoints;
    }

    /// <summary>Once the server listens, Kannel's receipt base URL defaults to the site's public address in Azure
    /// (<c>WEBSITE_HOSTNAME</c>), else to our own listening address.</summary>
    private sealed class ReceiptBaseUrlDefault(IServer server, ReceiptBaseUrlProvider provider, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                // In Azure the app listens on a loopback port behind the Functions host; Kannel must call the site.
                if (Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME") is { Length: > 0 } site && Uri.TryCreate($"https://{site}", UriKind.Absolute, out var site_))
                {
                    provider.DefaultReceiptBaseUrl ??= site_;
                    return;
                }

                var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
                if (address is not null && Uri.TryCreate(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var uri))
                {
                    provider.DefaultReceiptBaseUrl ??= uri;
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
