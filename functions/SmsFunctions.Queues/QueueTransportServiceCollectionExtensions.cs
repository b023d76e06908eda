using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues.DeadLetters;
using SmsFunctions.Queues.ServiceBus;
using SmsFunctions.Queues.StorageQueues;

namespace SmsFunctions.Queues;

/// <summary>Which queue transport the app sends through.</summary>
public enum QueueTransportKind
{
    /// <summary>Azure Storage Queues (Azurite locally): send and receive; the local runtime's listeners receive.</summary>
    StorageQueues,

    /// <summary>Azure Service Bus: send only, through the SDK; the Functions host receives.</summary>
    ServiceBus,
}

public static class QueueTransportServiceCollectionExtensions
{
    public const string TransportKey = "Sms:Transport";
    public const string QueuesSection = "Sms:Queues";
    public const string ServiceBusSection = "Sms:ServiceBus";
    public const string ServiceBusNamespaceKey = "Sms:ServiceBus:Namespace";
    public const string StorageConnectionStringKey = "Sms:Storage:ConnectionString";
    public const string StorageQueueServiceUriKey = "Sms:Storage:QueueServiceUri";
    public const string DefaultConnectionString = "UseDevelopmentStorage=true";

    /// <summary>
    /// Registers <see cref="IQueueSender"/> (and, for Storage Queues, <see cref="IQueueReceiver"/>) for the transport
    /// named by <c>Sms:Transport</c> (<c>StorageQueues</c>, the default, or <c>ServiceBus</c>). The transport kind is
    /// read now; everything else (connection string, namespace, tuning) is read from <paramref name="configuration"/>
    /// when the options are first resolved, so a value written into configuration after this call (the local run
    /// starting Azurite on free ports) is honoured. Options are validated when the host starts.
    /// A <see cref="TokenCredential"/> already registered is used; otherwise <see cref="DefaultAzureCredential"/>,
    /// created only when a credential is actually needed.
    /// </summary>
    public static IServiceCollection AddQueueTransport(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var kind = ParseTransport(configuration[TransportKey]);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());

        return kind switch
        {
            QueueTransportKind.ServiceBus => AddServiceBus(services, configuration),
            _ => AddStorageQueues(services, configuration),
        };
    }

    public static QueueTransportKind ParseTransport(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return QueueTransportKind.StorageQueues;
        }
        return Enum.TryParse<QueueTransportKind>(value.Trim(), ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new InvalidOperationException($"{TransportKey} is '{value}'; expected 'StorageQueues' or 'ServiceBus'.");
    }

    private static IServiceCollection AddStorageQueues(IServiceCollection services, IConfiguration configuration)
    {
        AddStorageQueueOptions(services, configuration);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageQueueTransportOptions>>();
            var credential = string.IsNullOrWhiteSpace(options.Value.ConnectionString) ? sp.GetRequiredService<TokenCredential>() : null;
            return new StorageQueueTransport(options, credential, sp.GetService<ILogger<StorageQueueTransport>>());
        });
        services.TryAddSingleton<IQueueSender>(sp => sp.GetRequiredService<StorageQueueTransport>());
        services.TryAddSingleton<IQueueReceiver>(sp => sp.GetRequiredService<StorageQueueTransport>());
        AddPoisonQueues(services);
        return services;
    }

    /// <summary>Our record of given-up messages, <c>{queue}-poison</c> Storage queues on the app's storage account,
    /// with either transport (see <see cref="StoragePoisonQueues"/>).</summary>
    private static void AddPoisonQueues(IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageQueueTransportOptions>>().Value;
            var credential = string.IsNullOrWhiteSpace(options.ConnectionString) ? sp.GetRequiredService<TokenCredential>() : null;
            return new StoragePoisonQueues(StorageQueueTransport.CreateServiceClient(options, credential));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeadLetterSource, StoragePoisonQueues>(sp => sp.GetRequiredService<StoragePoisonQueues>()));
        services.TryAddSingleton<IDeadLetterRecorder>(sp => sp.GetRequiredService<StoragePoisonQueues>());
    }

    private static void AddStorageQueueOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageQueueTransportOptions>()
            .Configure(options =>
            {
                configuration.GetSection(QueuesSection).Bind(options);
                var connectionString = configuration[StorageConnectionStringKey];
                var serviceUri = configuration[StorageQueueServiceUriKey];
                if (!string.IsNullOrWhiteSpace(connectionString))
                {
                    options.ConnectionString = connectionString;
                }
                if (!string.IsNullOrWhiteSpace(serviceUri))
                {
                    options.ServiceUri = Uri.TryCreate(serviceUri.Trim(), UriKind.RelativeOrAbsolute, out var uri) ? uri : null;
                }
                if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.ServiceUri is null && string.IsNullOrWhiteSpace(serviceUri))
                {
                    options.ConnectionString = DefaultConnectionString;
                }
            })
            .Validate(options => string.IsNullOrWhiteSpace(options.ConnectionString) ? true : IsParsableConnectionString(options.ConnectionString),
                $"{StorageConnectionStringKey} is not a valid storage connection string.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.ConnectionString)
                    || options.ServiceUri is { IsAbsoluteUri: true } uri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp),
                $"Storage queues need {StorageConnectionStringKey} or an absolute http(s) {StorageQueueServiceUriKey}.")
            .Validate(options => options.MaxConcurrentSends >= 1, $"{QueuesSection}:MaxConcurrentSends must be at least 1.")
            .Validate(options => options.MessageTimeToLive is null || options.MessageTimeToLive > TimeSpan.Zero,
                $"{QueuesSection}:MessageTimeToLive must be positive (leave it empty for never).")
            .ValidateOnStart();
    }

    private static IServiceCollection AddServiceBus(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceBusTransportOptions>()
            .Configure(options =>
            {
                configuration.GetSection(ServiceBusSection).Bind(options);
                var ns = configuration[ServiceBusNamespaceKey];
                if (!string.IsNullOrWhiteSpace(ns))
                {
                    options.FullyQualifiedNamespace = ServiceBusTransportOptions.NormalizeNamespace(ns);
                }
            })
            .Validate(options => !string.IsNullOrWhiteSpace(options.ConnectionString) || IsHostName(options.FullyQualifiedNamespace),
                $"Service Bus transport needs {ServiceBusNamespaceKey} (e.g. 'mybus.servicebus.windows.net') or {ServiceBusSection}:ConnectionString.")
            .Validate(options => options.MaxAttempts is >= 1 and <= 20, $"{ServiceBusSection}:MaxAttempts must be 1–20.")
            .Validate(options => options.MaxBatchCount >= 1, $"{ServiceBusSection}:MaxBatchCount must be at least 1.")
            .Validate(options => options.AttemptTimeout > TimeSpan.Zero && options.AttemptTimeout <= TimeSpan.FromHours(1)
                    && options.BaseRetryDelay >= TimeSpan.FromMilliseconds(1) && options.BaseRetryDelay <= TimeSpan.FromMinutes(5)
                    && options.MaxRetryDelay >= TimeSpan.Zero,
                $"{ServiceBusSection}: AttemptTimeout must be positive and at most 1 hour, BaseRetryDelay 1 ms–5 minutes, MaxRetryDelay not negative.")
            .ValidateOnStart();

        // One client (one AMQP connection) per process, for sends and dead-letter reads alike; the host disposes it.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServiceBusTransportOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.ConnectionString)
                ? new ServiceBusClient(options.FullyQualifiedNamespace, sp.GetRequiredService<TokenCredential>(), options.ToClientOptions())
                : new ServiceBusClient(options.ConnectionString, options.ToClientOptions());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServiceBusTransportOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.ConnectionString)
                ? new ServiceBusAdministrationClient(options.FullyQualifiedNamespace, sp.GetRequiredService<TokenCredential>())
                : new ServiceBusAdministrationClient(options.ConnectionString);
        });
        services.TryAddSingleton<ServiceBusQueueSender>();
        services.TryAddSingleton<IQueueSender>(sp => sp.GetRequiredService<ServiceBusQueueSender>());

        // Given-up messages are recorded on the app's storage account (Sms:Storage:QueueServiceUri in Azure); the
        // broker's own dead-letter queues are a second source.
        AddStorageQueueOptions(services, configuration);
        AddPoisonQueues(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeadLetterSource, ServiceBusDeadLetterQueue>());
        return services;
    }

    private static bool IsHostName(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Contains('.', StringComparison.Ordinal) && Uri.CheckHostName(value) == UriHostNameType.Dns;

    private static bool IsParsableConnectionString(string connectionString)
    {
        try
        {
            _ = new Azure.Storage.Queues.QueueServiceClient(connectionString);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
