namespace SmsFunctions.Storage.Tables;

/// <summary>
/// Partition keys of an account's time-ordered rows (messages, ledger lines): <c>{accountId}|{time bucket}</c>, the
/// bucket being the leading digits of the newest-first row key, so that the account's rows, read as one
/// partition-key range, still come newest first. One partition per account grew with every message it ever sent,
/// and Azurite's table service scans a partition on every point operation (insert, merge, read); a few seconds of
/// rows per partition keeps that cost flat. In Azure the finer partitions also spread a busy account's writes.
/// </summary>
public static class AccountPartitions
{
    public const char Separator = '|';

    /// <summary>The partition of the account's rows whose row keys start with <paramref name="bucket"/>.</summary>
    public static string Of(string accountId, string bucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentNullException.ThrowIfNull(bucket);
        return accountId + Separator + bucket;
    }

    /// <summary>The account of a partition key (a key without a bucket is an account id itself).</summary>
    public static string AccountOf(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        var separator = partitionKey.LastIndexOf(Separator);
        return separator < 0 ? partitionKey : partitionKey[..separator];
    }

    /// <summary>An OData filter for every partition of the account, optionally only buckets from
    /// <paramref name="firstBucket"/> to <paramref name="lastBucket"/> (inclusive prefixes).</summary>
    public static string Filter(string accountId, string? firstBucket = null, string? lastBucket = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        var lower = accountId + Separator + (firstBucket ?? string.Empty);
        // '}' follows '|': every key that starts with "{accountId}|" (and the last bucket's prefix) sorts below it.
        var upper = lastBucket is null ? accountId + '}' : accountId + Separator + lastBucket + '~';
        return $"PartitionKey ge {TableValues.Quote(lower)} and PartitionKey lt {TableValues.Quote(upper)}";
    }
}
