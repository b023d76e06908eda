namespace SmsFunctions.Storage;

/// <summary>
/// Where tables (and, for the Storage Queues transport, queues) live. Locally a connection string
/// (<c>UseDevelopmentStorage=true</c> reaches Azurite on its default ports); in Azure the service URIs with a
/// managed identity, never a key.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Sms:Storage";

    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public string? ConnectionString { get; set; } = DevelopmentStorage;

    public Uri? TableServiceUri { get; set; }

    public Uri? QueueServiceUri { get; set; }

    /// <summary>Prefix of every table name, so that tests (and several deployments in one account) stay apart.</summary>
    public string TablePrefix { get; set; } = "sms";

    public bool UsesDevelopmentStorage => TableServiceUri is null &&
        string.Equals(ConnectionString?.Trim().TrimEnd(';'), DevelopmentStorage, StringComparison.OrdinalIgnoreCase);
}
