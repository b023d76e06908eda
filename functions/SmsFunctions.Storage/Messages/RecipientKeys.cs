namespace SmsFunctions.Storage.Messages;

/// <summary>
/// Where a recipient row lives. A message's recipients are spread over partitions by a stable hash of the number
/// (PK <c>{messageId}-{shard}</c>, RK the E.164 number): one partition per message made a 100,000-recipient insert
/// quadratic on Azurite (17 s for 20k rows, 833 s for 100k) and caps a single partition at ~2,000 entities/s in
/// Azure. How many partitions is written in the message id's last hex digit <c>d</c> (<see cref="ShardDigitFor"/>):
/// <c>16 × 2^d</c>, so that no partition holds more than about <see cref="RowsPerShard"/> rows (Azurite scans a
/// partition on every point operation: 100,000 rows in 16 partitions took 15 ms per replace, in 256 partitions 8 ms).
/// Any holder of a message id and a number (a receipt, the API) finds the row with one point read; all of a
/// message's rows are one partition-key range.
/// </summary>
public static class RecipientKeys
{
    /// <summary>The fewest partitions a message has (and the most a message of up to 6,400 recipients has).</summary>
    public const int Shards = 16;

    /// <summary>Rows per partition that a big message's spread aims at.</summary>
    public const int RowsPerShard = 400;

    /// <summary>The last hex digit of the id of a message with <paramref name="recipients"/> recipients.</summary>
    public static int ShardDigitFor(int recipients)
    {
        var digit = 0;
        while (digit < 7 && (Shards << digit) * RowsPerShard < recipients) { digit++; }
        return digit;
    }

    /// <summary>How many partitions the recipients of <paramref name="messageId"/> are spread over.</summary>
    public static int ShardsOf(string messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var last = messageId[^1];
        var digit = last is >= '0' and <= '7' ? last - '0' : 0;
        return Shards << digit;
    }

    public static string PartitionKey(string messageId, string number) => $"{messageId}-{Shard(number, ShardsOf(messageId)):x}";

    /// <summary>The message id of a recipient partition key.</summary>
    public static string MessageIdOf(string partitionKey)
    {
        var dash = partitionKey.LastIndexOf('-');
        return dash < 0 ? partitionKey : partitionKey[..dash];
    }

    /// <summary>An OData filter that selects every partition of the message: <c>{id}-0</c> … <c>{id}-ff</c>.</summary>
    public static string MessageFilter(string messageId) =>
        $"PartitionKey ge '{messageId.Replace("'", "''", StringComparison.Ordinal)}-' and PartitionKey lt '{messageId.Replace("'", "''", StringComparison.Ordinal)}.'";

    /// <summary>FNV-1a of the number: stable across processes and releases, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static int Shard(string number, int shards = Shards)
    {
        ArgumentNullException.ThrowIfNull(number);
        var hash = 2166136261u;
        foreach (var c in number)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
