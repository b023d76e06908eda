namespace SmsFunctions.Queues.StorageQueues;

/// <summary>Options of <see cref="StorageQueueTransport"/>. Bound from <c>Sms:Queues</c>; the account comes from
/// <c>Sms:Storage:ConnectionString</c> or, when that is empty, <c>Sms:Storage:QueueServiceUri</c> with a token credential.</summary>
public sealed class StorageQueueTransportOptions
{
    /// <summary>A storage connection string (Azurite: <c>UseDevelopmentStorage=true</c> or an explicit endpoint string).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The queue service endpoint (<c>https://{account}.queue.core.windows.net</c>), used with a
    /// <c>TokenCredential</c> when <see cref="ConnectionString"/> is not set.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>How many single sends <see cref="StorageQueueTransport.SendBatchAsync"/> keeps in flight (Storage
    /// Queues have no batch send).</summary>
    public int MaxConcurrentSends { get; set; } = 16;

    /// <summary>Message time-to-live; null (the default) means never expire, so nothing accepted is silently lost.</summary>
    public TimeSpan? MessageTimeToLive { get; set; }
}
