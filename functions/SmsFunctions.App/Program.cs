using SmsFunctions.App;
using SmsFunctions.App.Hosting;
using SmsFunctions.Storage.Emulator;

try
{
    var builder = SmsFunctionsApp.CreateBuilder(args);

    // Locally, with the development emulator configured and none running, start Azurite for the app's lifetime.
    using var loggerFactory = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
    await using var azurite = HostMode.IsFunctionsHost
        ? null
        : await DevelopmentStorage.EnsureStartedAsync(builder.Configuration, loggerFactory.CreateLogger("SmsFunctions.Storage"));

    var app = SmsFunctionsApp.Build(builder);
    await app.RunAsync();
    return 0;
}
catch (AzuriteUnavailableException ex)
{
    await Console.Error.WriteLineAsync("SmsFunctions could not start its storage emulator: " + ex.Message);
    return 1;
}

/// <summary>Entry point; exposed for WebApplicationFactory-style tests.</summary>
public partial class Program;
