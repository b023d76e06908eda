using SmsFunctions.Shared;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.ContentPolicy;
using SmsFunctions.Storage.Idempotency;
using SmsFunctions.Storage.Inbound;
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
                : SignedWithSas(new TableServiceClient(options.ConnectionString, clientOptions), clientOptions);
        });
        return services;
    }

    /// <summary>
    /// A client that signs with an account SAS made from the connection string's key, made again every
    /// <paramref name="renewEvery"/> (default <see cref="RenewedAccountSas.Renewal"/>; see <see cref="RenewedAccountSas"/>),
    /// instead of signing every request with the key. A connection string without a key (a SAS already) is kept as is.
    /// </summary>
    public static TableServiceClient SignedWithSas(TableServiceClient client, TableClientOptions clientOptions, TimeSpan? renewEvery = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            _ = NewSas(client, DateTimeOffset.UtcNow.Add(RenewedAccountSas.Lifetime));
        }
        catch (InvalidOperationException)
        {
            return client; // No key to make a SAS with.
        }

        var (endpoint, credential) = RenewedAccountSas.Create(expiresOn => NewSas(client, expiresOn), renewEvery);
        return new TableServiceClient(endpoint, credential, clientOptions);
    }

    private static Uri NewSas(TableServiceClient keyed, DateTimeOffset expiresOn) => keyed.GenerateSasUri(
        Azure.Data.Tables.Sas.TableAccountSasPermissions.All, Azure.Data.Tables.Sas.TableAccountSasResourceTypes.All, expiresOn);

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
        services.TryAddSingleton<InboundNumberStore>();
        services.TryAddSingleton<InboundMessageStore>();
        services.TryAddSingleton<OptOutStore>();
        services.TryAddSingleton<IAcceptedMessageNotifier, NoOpAcceptedMessageNotifier>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, TableInitializer>());
        return services;
    }
}
