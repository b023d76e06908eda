using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Accounts;

/// <summary>
/// One applied credit change as recorded on the account row, in the same merge that moved the balance: the change
/// is therefore one durable fact (balance and record together, or neither). The ledger line is a copy written
/// after it, idempotently (an upsert at a key derived from the change), and the entry is dropped from the row by a
/// later balance write once that copy is known to be written.
/// </summary>
/// <param name="Id">The change's id: the caller's (e.g. <c>charge:{messageId}</c>) or a random one.</param>
/// <param name="AtTicks">UTC ticks of the change's time; with <paramref name="Id"/> it names the ledger line.</param>
/// <param name="Kind">A <see cref="LedgerKinds"/> value.</param>
/// <param name="Amount">Signed amount actually applied.</param>
/// <param name="After">The balance right after this change.</param>
/// <param name="MessageId">The message the change is about, if any.</param>
/// <param name="WrittenTicks">UTC ticks of the balance write that applied it (a crashed writer's entries are
/// recovered by others once they are old).</param>
public sealed record LedgerJournalEntry(
    [property: JsonPropertyName("i")] string Id,
    [property: JsonPropertyName("t")] long AtTicks,
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("a")] decimal Amount,
    [property: JsonPropertyName("b")] decimal After,
    [property: JsonPropertyName("m")] string? MessageId,
    [property: JsonPropertyName("w")] long WrittenTicks)
{
    public DateTimeOffset At => new(AtTicks, TimeSpan.Zero);

    /// <summary>The ledger line's row key: newest first by the change's time, then a hash of the change id, so the
    /// same change always lands on the same row (a second write of it is an idempotent overwrite).</summary>
    public string RowKey => LedgerJournal.RowKeyOf(Id, At);

    public LedgerEntry ToLine(string accountId) => new()
    {
        PartitionKey = LedgerJournal.PartitionOf(accountId, RowKey),
        RowKey = RowKey,
        ChangeId = Id,
        Kind = Kind,
        Amount = TableValues.Money(Amount),
        BalanceAfter = TableValues.Money(After),
        MessageId = MessageId,
        At = At,
    };
}

/// <summary>Serialising the journal property and naming ledger lines.</summary>
public static class LedgerJournal
{
    /// <summary>The account row's property that holds the journal (JSON array).</summary>
    public const string Property = "Journal";

    /// <summary>At most this many entries on the row before the lagging ledger lines are written first.</summary>
    public const int MaxEntries = 150;

    /// <summary>At most this many characters in the property (a string property holds 32K UTF-16 characters, Azure and
    /// Azurite alike; an entry is 120–200, and a batch of 100 changes alone stays well under it).</summary>
    public const int MaxCharacters = 28_000;

    public static string RowKeyOf(string changeId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(changeId);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(changeId)).AsSpan(0, 4));
        return string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{hash}");
    }

    public static string PartitionOf(string accountId, string rowKey) => AccountPartitions.Of(accountId, rowKey[..LedgerEntry.BucketDigits]);

    public static string Serialize(IReadOnlyCollection<LedgerJournalEntry> entries)
        => entries.Count == 0 ? string.Empty : JsonSerializer.Serialize(entries, JournalJson.Default.IReadOnlyCollectionLedgerJournalEntry);

    public static List<LedgerJournalEntry> Parse(string? json)
        => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, JournalJson.Default.ListLedgerJournalEntry) ?? [];
}

[JsonSerializable(typeof(IReadOnlyCollection<LedgerJournalEntry>))]
[JsonSerializable(typeof(List<LedgerJournalEntry>))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
internal sealed partial class JournalJson : JsonSerializerContext;
