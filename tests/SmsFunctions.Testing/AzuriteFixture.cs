using SmsFunctions.Storage.Emulator;
using Xunit;

namespace SmsFunctions.Testing;

/// <summary>
/// One Azurite per test collection (or assembly), on free loopback ports, in a throwaway disk folder, started the
/// same way the local run starts it. Tests isolate by unique table and queue names (<see cref="UniqueName"/>).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private int _counter;

    public string ConnectionString => (_azurite ?? throw new InvalidOperationException("Azurite is not started.")).Endpoints.ConnectionString;

    public AzuriteEndpoints Endpoints => (_azurite ?? throw new InvalidOperationException("Azurite is not started.")).Endpoints;

    public async ValueTask InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smsfunctions-azurite-" + Guid.NewGuid().ToString("N"));
        _azurite = await AzuriteProcess.StartAsync(AzuriteProcess.FreeEndpoints(), folder, tablesInMemory: true);
    }

    /// <summary>A name unique in this Azurite, valid as a table name (letters and digits) and a queue name (lower case).</summary>
    public string UniqueName(string prefix) =>
        $"{prefix}{Interlocked.Increment(ref _counter)}x{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            var location = _azurite.Location;
            await _azurite.DisposeAsync();
            try { Directory.Delete(location, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
