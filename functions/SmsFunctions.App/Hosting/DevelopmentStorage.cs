using Microsoft.Extensions.Options;
using SmsFunctions.Storage;
using SmsFunctions.Storage.Emulator;

namespace SmsFunctions.App.Hosting;

/// <summary>
/// When storage is the development emulator and nothing answers on its ports, starts Azurite from the repository's
/// pinned npm package (installing it once) with its data in <c>.azurite/</c>, and stops it when the app stops.
/// </summary>
public static class DevelopmentStorage
{
    public static async Task<AzuriteProcess?> EnsureStartedAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken = default)
    {
        var options = new StorageOptions();
        configuration.GetSection(StorageOptions.Section).Bind(options);
        if (!options.UsesDevelopmentStorage || await AzuriteProcess.IsReachableAsync(AzuriteEndpoints.Default, cancellationToken))
        {
            return null;
        }

        var root = AzuriteProcess.FindPackageRoot() ?? Directory.GetCurrentDirectory();
        logger.LogInformation("No storage emulator answers on 127.0.0.1:10001/10002; starting Azurite");
        return await AzuriteProcess.StartAsync(AzuriteEndpoints.Default, Path.Combine(root, ".azurite"), logger, cancellationToken: cancellationToken);
    }
}
