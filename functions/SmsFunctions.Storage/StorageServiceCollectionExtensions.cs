using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.ContentPolicy;
using SmsFunctions.Storage.Idempotency;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Scheduling;
using SmsFunctions.Storage.Tables;
using SmsFunctions.Storage.Tokens;

namespace SmsFunctions.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers <see cref="StorageOptions"/> and a singleton <see cref="TableServiceClient"/>.</summary>
    public static IServiceCollection AddTableStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString) || o.TableServiceUri is not null,
                "Set Sms:Storage:ConnectionString (e.g. UseDevelopmentStorage=true) or Sms:Storage:TableServiceUri.")
            .Validate(o => System.Text.RegularExpressions.Regex.IsMatch(o.TablePrefix, "^[A-Za-z][A-Za-z0-9]{0,30}$"),
                "Sms:Storage:TablePrefix must be a letter followed by up to 30 letters or digits.")
            .ValidateOnStart();

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var clientOptions = new TableClientOptions();
            clientOptions.Retry.MaxRetries = 3;
            clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            // A service URI (Azure, managed identity) wins over the connection string, whose default is the emulator.
            return options.TableServiceUri is not null
                ? new TableServiceClient(options.TableServiceUri, new DefaultAzureCredential(), clientOptions)
                : new TableServiceClient(options.ConnectionString, clientOptions);
        });
        return services;
    }

    /// <summary>
    /// Registers the gateway's table repositories (accounts, credit ledger, tokens, idempotency keys, messages,
    /// recipients, the schedule index, forbidden terms), creates the tables once at startup, and a no-op
    /// <see cref="IAcceptedMessageNotifier"/> unless one is already registered.
    /// </summary>
    public static IServiceCollection AddSmsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTableStorage(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddOptions<IdempotencyOptions>()
            .Bind(configuration.GetSection(IdempotencyOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton<SmsTables>();
        services.TryAddSingleton<AccountStore>();
        services.TryAddSingleton<CreditLedger>();
        services.TryAddSingleton<TokenStore>();
        services.TryAddSingleton<IdempotencyStore>();
        services.TryAddSingleton<MessageStore>();
        services.TryAddSingleton<RecipientStore>();
        services.TryAddSingleton<ScheduleIndex>();
        services.TryAddSingleton<ForbiddenTermStore>();
        services.TryAddSingleton<IAcceptedMessageNotifier, NoOpAcceptedMessageNotifier>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, TableInitializer>());
        return services;
    }
}
