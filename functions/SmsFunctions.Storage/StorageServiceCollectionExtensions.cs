using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var clientOptions = new TableClientOptions();
            clientOptions.Retry.MaxRetries = 3;
            clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            return !string.IsNullOrWhiteSpace(options.ConnectionString)
                ? new TableServiceClient(options.ConnectionString, clientOptions)
                : new TableServiceClient(options.TableServiceUri, new DefaultAzureCredential(), clientOptions);
        });
        return services;
    }
}
