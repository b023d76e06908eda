namespace SmsFunctions.Storage.Messages;

/// <summary>
/// Where a recipient row lives. A message's recipients are spread over partitions by a stable hash of the number
/// (PK <c>{messageId}-{shard}</c>, RK the E.164 number): one partition per message made a 100,000-recipient insert
/// quadratic on Azurite (17 s for 20k rows, 833 s for 100k) and caps a single partition at ~2,000 entities/s in
/// Azure. How many partitions is written in the message id's last hex digit <c>d</c> (<see cref="ShardDigitFor"/>):
/// <c>16 × 2^d</c>, so that no partition holds more than about <see cref="RowsPerShard"/> rows (Azurite scans a
/// partition on every point operation: 100,000 rows in 16 partitions took 15 ms per replace, in 256 partitions 8 ms).
/// Any holder of a message id and a number (a receipt, the API) finds the row with one point read; all of a
/// message's rows are one partition-key range in each of its tables.
/// <para>The rows are also spread over <see cref="Tables"/> tables (<c>Recipients0</c> … <c>Recipientsf</c>): a
/// message's group of 16 shards <c>g</c> lives in table <c>(hash(messageId) + g) mod 16</c>, so a small message
/// lives in one table and a 100,000-recipient one in all sixteen. Azurite's table service (LokiJS) pays for a
/// replace or delete in proportion to the rows of the whole table (it re-numbers two binary indexes) and for a
/// query with a scan of the whole table; one table of 100,000 rows made every dispatch claim cost ~1 ms of its one
/// thread. In Azure a table is only a name, so the spread costs nothing there.</para>
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

    /// <summary>How many tables the recipient rows are spread over.</summary>
    public const int Tables = 16;

    /// <summary>The table (0 … <see cref="Tables"/> − 1) of a recipient partition key.</summary>
    public static int TableOf(string partitionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionKey);
        var messageId = MessageIdOf(partitionKey);
        var shard = messageId.Length < partitionKey.Length && int.TryParse(partitionKey.AsSpan(messageId.Length + 1),
            System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        return TableOf(messageId, shard);
    }

    /// <summary>The table of shard <paramref name="shard"/> of <paramref name="messageId"/>.</summary>
    public static int TableOf(string messageId, int shard) => (int)((Fnv(messageId) + (uint)(shard / Shards)) % Tables);

    /// <summary>The tables that hold the rows of <paramref name="messageId"/>, in partition-key order of their first shard group.</summary>
    public static IReadOnlyList<int> TablesOf(string messageId)
    {
        var groups = Math.Min(ShardsOf(messageId) / Shards, Tables);
        var tables = new int[groups];
        for (var g = 0; g < groups; g++) { tables[g] = TableOf(messageId, g * Shards); }
        return tables;
    }

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
        return (int)(Fnv(number) % (uint)shards);
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
