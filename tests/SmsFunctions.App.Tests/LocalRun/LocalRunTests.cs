using System.Net;
using System.Text.Json;
using SmsFunctions.Storage.Emulator;

namespace SmsFunctions.App.Tests.LocalRun;

/// <summary>
/// The README's one-command local run: the app on its own, with the development storage setting, starts Azurite when
/// nothing answers on the emulator's ports, serves its health, and stops Azurite when it stops. These run as separate
/// processes on the emulator's well-known ports, so they share one collection and never run in parallel.
/// </summary>
[Collection(nameof(LocalRunCollection))]
public sealed class LocalRunTests
{
    private static Dictionary<string, string?> Environment(int port) => new()
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["ASPNETCORE_ENVIRONMENT"] = "Development", // as dotnet run's launch profile: the sample admin key is accepted
        ["Sms__Storage__ConnectionString"] = "UseDevelopmentStorage=true",
        ["Sms__Storage__TablePrefix"] = "localrun" + Guid.NewGuid().ToString("N")[..6],
        ["Sms__Runtime__LocalTriggers"] = "false",
        ["FUNCTIONS_CUSTOMHANDLER_PORT"] = null,
        ["Logging__LogLevel__Default"] = "Information",
    };

    [Fact]
    public async Task StartsAzuriteWhenNoneAnswersAndStopsItOnExit()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.False(await AzuriteProcess.IsReachableAsync(AzuriteEndpoints.Default, ct), "Something already listens on the emulator's ports; this test needs them free.");
        var port = AppProcess.FreePort();
        await using var app = AppProcess.Start(Environment(port));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "dev-admin-key-change-me"); // the sample key: dependencies are for the admin

        JsonElement health = default;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !app.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    health = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250, ct);
        }

        Assert.True(health.ValueKind == JsonValueKind.Object, "The app never became healthy:\n" + app.Output);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("dependencies").GetProperty("tables").GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("dependencies").GetProperty("queues").GetProperty("status").GetString());
        Assert.True(await AzuriteProcess.IsReachableAsync(AzuriteEndpoints.Default, ct));

        await app.StopAsync();
        Assert.True(app.HasExited);
        Assert.False(await AzuriteProcess.IsReachableAsync(AzuriteEndpoints.Default, ct), "Azurite kept running after the app stopped.");
    }

    [Fact]
    public async Task WithoutNodeItSaysWhatToInstallInsteadOfAStackTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.False(await AzuriteProcess.IsReachableAsync(AzuriteEndpoints.Default, ct), "Something already listens on the emulator's ports; this test needs them free.");
        var env = Environment(AppProcess.FreePort());
        var emptyPath = Directory.CreateTempSubdirectory("no-node-").FullName;
        env["PATH"] = emptyPath; // dotnet is started by its full path; node and npm are nowhere.
        await using var app = AppProcess.Start(env);

        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "The app kept running without Node.js:\n" + app.Output);
        Assert.Equal(1, app.ExitCode);
        Assert.Contains("Node.js was not found", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(LocalRunCollection), DisableParallelization = true)]
public sealed class LocalRunCollection;
