using System.Globalization;
using Azure.Data.Tables;

namespace SmsFunctions.Testing.Faults;

/// <summary>A ledger line as stored, or a change recorded in the account row's journal whose line is not written
/// yet (<see cref="FromJournal"/>): both are committed credit changes.</summary>
public sealed record LedgerLine(string Kind, decimal Amount, string? MessageId, string? ChangeId = null, bool FromJournal = false);

/// <summary>A recipient row as stored (<see cref="Number"/> digits only).</summary>
public sealed record RecipientRow(string MessageId, string Number, string State, decimal Price, string? ErrorCode, string? Carrier)
{
    /// <summary>The row's error detail and routing attempts, to show with an example.</summary>
    public string? Detail { get; init; }
}

/// <summary>A message row as stored.</summary>
public sealed record MessageRow(string Id, string State, decimal TotalPrice, bool HasCallback, DateTimeOffset? DueAt);

/// <summary>A webhook attempt on record (<c>CallbackAttempts</c>).</summary>
public sealed record CallbackAttemptRow(string MessageId, string Number, string Event, string Outcome);

/// <summary>
/// One account's rows, read straight from the tables (not through the app or the fault proxy) as generic
/// entities, so that the check depends on the stored facts, not on the app's own store types.
/// </summary>
public sealed record StorageSnapshot(
    decimal? Balance,
    IReadOnlyList<LedgerLine> Ledger,
    IReadOnlyList<MessageRow> Messages,
    IReadOnlyList<RecipientRow> Recipients,
    IReadOnlyList<CallbackAttemptRow> CallbackAttempts)
{
    public static readonly IReadOnlySet<string> FinalStates = new HashSet<string>(StringComparer.Ordinal)
    {
        "DELIVERED", "UNDELIVERED", "FAILED", "EXPIRED", "REJECTED", "CANCELED", "BLOCKED",
    };

    /// <summary>When the snapshot was read.</summary>
    public DateTimeOffset ReadAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Legitimately not final: a recipient of an open transaction (the message is still a DRAFT), or of a
    /// message scheduled for later (due less than <paramref name="slack"/> ago: FireScheduled runs every 5 s).</summary>
    public bool IsLegitimatelyPending(RecipientRow row, TimeSpan slack)
    {
        ArgumentNullException.ThrowIfNull(row);
        var message = Messages.FirstOrDefault(m => m.Id == row.MessageId);
        return row.State switch
        {
            "DRAFT" => message?.State == "DRAFT",
            "SCHEDULED" => message?.DueAt is { } due && due > ReadAt - slack,
            _ => false,
        };
    }

    public static async Task<StorageSnapshot> ReadAsync(TableServiceClient service, string prefix, string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var account = await ReadAllAsync(service, prefix + "Accounts", $"RowKey eq '{accountId}'", cancellationToken).ConfigureAwait(false);
        var balance = account.Count == 1 ? Money(account[0], "Credit") : (decimal?)null;
        var ledger = (await ReadAllAsync(service, prefix + "Ledger", AccountRange(accountId), cancellationToken).ConfigureAwait(false))
            .Select(e => new LedgerLine(e.GetString("Kind") ?? "", Money(e, "Amount"), e.GetString("MessageId"), e.GetString("ChangeId"))).ToList();
        // Changes applied to the balance whose ledger line is still to be copied from the account row's journal.
        var written = ledger.Where(l => l.ChangeId is not null).Select(l => l.ChangeId!).ToHashSet(StringComparer.Ordinal);
        if (account.Count == 1 && account[0].GetString("Journal") is { Length: > 0 } journal)
        {
            using var document = System.Text.Json.JsonDocument.Parse(journal);
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var id = entry.GetProperty("i").GetString();
                if (id is null || written.Contains(id)) { continue; }
                ledger.Add(new LedgerLine(entry.GetProperty("k").GetString() ?? "", entry.GetProperty("a").GetDecimal(),
                    entry.TryGetProperty("m", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String ? m.GetString() : null, id, FromJournal: true));
            }
        }
        var messages = (await ReadAllAsync(service, prefix + "Messages", AccountRange(accountId), cancellationToken).ConfigureAwait(false))
            .Select(e => new MessageRow(e.RowKey, e.GetString("State") ?? "", Money(e, "TotalPrice"), !string.IsNullOrEmpty(e.GetString("CallbackJson")),
                e.GetDateTimeOffset("DueAt") ?? e.GetDateTimeOffset("ScheduledAt"))).ToList();
        var recipients = new List<RecipientRow>();
        for (var t = 0; t < 16; t++)
        {
            var table = prefix + "Recipients" + t.ToString("x", CultureInfo.InvariantCulture);
            foreach (var e in await ReadAllAsync(service, table, $"AccountId eq '{accountId}'", cancellationToken).ConfigureAwait(false))
            {
                var dash = e.PartitionKey.LastIndexOf('-');
                recipients.Add(new RecipientRow(dash < 0 ? e.PartitionKey : e.PartitionKey[..dash], CarrierRecord.Digits(e.RowKey),
                    e.GetString("State") ?? "", Money(e, "Price"), e.GetString("ErrorCode"), e.GetString("Carrier"))
                {
                    Detail = e.GetString("ErrorDetail") + " " + e.GetString("RoutingJson"),
                });
            }
        }

        var attempts = (await ReadAllAsync(service, prefix + "CallbackAttempts", AccountRange(accountId), cancellationToken).ConfigureAwait(false))
            .Select(e => new CallbackAttemptRow(e.GetString("MessageId") ?? "", CarrierRecord.Digits(e.GetString("Recipient") ?? ""),
                e.GetString("Event") ?? "", e.GetString("Outcome") ?? "")).ToList();
        return new StorageSnapshot(balance, ledger, messages, recipients, attempts);
    }

    private static string AccountRange(string accountId) => $"PartitionKey ge '{accountId}' and PartitionKey lt '{accountId}}}'";

    private static async Task<List<TableEntity>> ReadAllAsync(TableServiceClient service, string table, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var e in service.GetTableClient(table).QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(e);
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // A table the app never created holds nothing.
        }

        return rows;
    }

    private static decimal Money(TableEntity entity, string name) => entity.TryGetValue(name, out var value) && value is not null
        ? value switch
        {
            string text => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture),
            double d => (decimal)d,
            int i => i,
            long l => l,
            decimal m => m,
            _ => decimal.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, NumberStyles.Number, CultureInfo.InvariantCulture),
        }
        : 0m;
}
