using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Carriers.Sandbox;
using Polly;

namespace SmsFunctions.Carriers;

public static class CarrierServiceCollectionExtensions
{
    /// <summary>
    /// Registers the carriers and the <see cref="CarrierRouter"/>: the <see cref="SandboxCarrier"/> always, the
    /// <see cref="KannelCarrier"/> when <c>Sms:Carriers:Kannel:SendSmsUrl</c> is set, the
    /// <see cref="KannelReceiptParser"/> for the receipt endpoint, and a settable <see cref="ReceiptBaseUrlProvider"/>.
    /// Options are validated on start. The app must register an <see cref="IDeliveryReceiptSink"/>.
    /// </summary>
    public static IServiceCollection AddCarriers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<ReceiptBaseUrlProvider>();
        services.TryAddSingleton<IReceiptBaseUrlProvider>(sp => sp.GetRequiredService<ReceiptBaseUrlProvider>());

        // Sandbox: always there, the default of a first run.
        services.AddOptions<SandboxCarrierOptions>().Bind(configuration.GetSection(SandboxCarrierOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SandboxCarrier>();
        services.AddSingleton<ICarrier>(sp => sp.GetRequiredService<SandboxCarrier>());

        // Kannel: the parser serves the receipt endpoint even when this instance does not send through Kannel.
        services.AddOptions<KannelCarrierOptions>().Bind(configuration.GetSection(KannelCarrierOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new KannelReceiptParser(
            sp.GetRequiredService<IOptions<KannelCarrierOptions>>().Value.ReceiptSecret, sp.GetRequiredService<TimeProvider>()));
        if (!string.IsNullOrWhiteSpace(configuration[$"{KannelCarrierOptions.SectionName}:{nameof(KannelCarrierOptions.SendSmsUrl)}"]))
        {
            services.AddHttpClient(KannelCarrier.HttpClientName)
                // The whole call, answer body included, is bounded by every attempt's limit together.
                .ConfigureHttpClient((sp, client) => client.Timeout = KannelCarrier.AttemptTimeout(sp.GetRequiredService<IOptionsMonitor<KannelCarrierOptions>>().CurrentValue) * (KannelCarrier.ConnectRetries + 1))
                .ConfigurePrimaryHttpMessageHandler(() => SendOnce.Guard(new SocketsHttpHandler
                {
                    // ~32 concurrent dispatchers on keep-alive connections; recycled so DNS changes are seen.
                    MaxConnectionsPerServer = 64,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                }))
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
                // Outermost: one attempt record for the request and all its retries below. A sendsms has no idempotency
                // key: never re-sent once written to a connection, and a failure after writing is "unknown".
                .AddHttpMessageHandler(SendOnce.Tracker)
                .AddResilienceHandler("kannel-sendsms", (pipeline, context) =>
                {
                    var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<KannelCarrierOptions>>();
                    pipeline
                        // Only a request that never reached Kannel is retried here: past that Kannel may have queued
                        // the SMS and has no idempotency key. Throttling and fallback are the router's.
                        .AddRetry(new HttpRetryStrategyOptions
                        {
                            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException e
                                && KannelCarrier.NeverReachedKannel(e, args.Context.GetRequestMessage())),
                            MaxRetryAttempts = KannelCarrier.ConnectRetries,
                            Delay = TimeSpan.FromMilliseconds(100),
                            BackoffType = DelayBackoffType.Exponential,
                            UseJitter = true,
                        })
                        .AddTimeout(new HttpTimeoutStrategyOptions
                        {
                            TimeoutGenerator = _ => ValueTask.FromResult(KannelCarrier.AttemptTimeout(options.CurrentValue)),
                        });
                });
            services.TryAddSingleton<KannelCarrier>();
            services.AddSingleton<ICarrier>(sp => sp.GetRequiredService<KannelCarrier>());
        }

        // Routing: carrier names are checked against what is registered above (and by other AddXxx calls).
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>());
        services.TryAddSingleton<CarrierRouter>();
        return services;
    }
}
