using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SmsFunctions.Storage.Tables;

/// <summary>Creates the tables once at startup, before the app answers requests.</summary>
internal sealed partial class TableInitializer(SmsTables tables, ILogger<TableInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await tables.CreateIfNotExistsAsync(cancellationToken);
        LogCreated(tables.Prefix, SmsTables.Names.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Tables with prefix {Prefix} ready ({Count} tables)")]
    private partial void LogCreated(string prefix, int count);
}
