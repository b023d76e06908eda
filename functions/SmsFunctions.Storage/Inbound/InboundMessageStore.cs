using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>
/// Inbound messages, newest first per account, and the carrier message ids already seen: a carrier that repeats an MO
/// (it got no answer) finds the id reserved by the first delivery and gets the same record, not a second one.
/// </summary>
public sealed class InboundMessageStore(SmsTables tables)
{
    /// <summary>The account under which messages to a number nobody owns are kept (admins list them).</summary>
    public const string Unroutable = "unroutable";

    /// <summary>The partition of the carrier-id reservations (outside every account's key range).</summary>
    private const string SeenPartition = "seen";

    public const int MaxPageSize = 100;

    public static string PartitionKeyOf(string accountId, string id) => AccountPartitions.Of(accountId, id[..Math.Min(MessageEntity.BucketDigits, id.Length)]);

    /// <summary>
    /// Reserves <paramref name="id"/> for the carrier's message <paramref name="carrierMessageId"/>. Answers the id and
    /// account of the first delivery of that message: <paramref name="id"/> itself when this is the first.
    /// </summary>
    public async Task<(string Id, string AccountId, bool First)> ReserveAsync(
        string carrier, string carrierMessageId, string id, string accountId, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(SeenPartition, SeenKey(carrier, carrierMessageId)) { ["InboundId"] = id, ["AccountId"] = accountId };
        try
        {
            await tables.Inbound.AddEntityAsync(entity, cancellationToken);
            return (id, accountId, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var seen = await tables.Inbound.GetEntityAsync<TableEntity>(SeenPartition, entity.RowKey, cancellationToken: cancellationToken);
            return (seen.Value.GetString("InboundId"), seen.Value.GetString("AccountId"), false);
        }
    }

    /// <summary>Writes the record (a repeat of the same message rewrites the same row).</summary>
    public async Task UpsertAsync(InboundMessageEntity message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.PartitionKey = PartitionKeyOf(message.AccountId, message.RowKey);
        await tables.Inbound.UpsertEntityAsync(message, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<InboundMessageEntity?> GetAsync(string accountId, string id, CancellationToken cancellationToken = default)
    {
        if (!SmsFunctions.Core.Messages.MessageId.IsValid(id))
        {
            return null;
        }

        var response = await tables.Inbound.GetEntityIfExistsAsync<InboundMessageEntity>(PartitionKeyOf(accountId, id), id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>One page of the account's inbound messages, newest first; the dates become a key range.</summary>
    public async Task<TablePage<InboundMessageEntity>> ListAsync(
        string accountId, InboundQuery query, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = AccountPartitions.Filter(accountId,
            query.Until is { } newest ? MessageStore.IdPrefix(newest)[..MessageEntity.BucketDigits] : null,
            query.Since is { } oldest ? MessageStore.IdPrefix(oldest)[..MessageEntity.BucketDigits] : null);
        if (query.Until is { } until)
        {
            filter += $" and RowKey ge {TableValues.Quote(MessageStore.IdPrefix(until))}";
        }

        if (query.Since is { } since)
        {
            filter += $" and RowKey lt {TableValues.Quote(MessageStore.IdPrefix(since) + "g")}";
        }

        if (!string.IsNullOrEmpty(query.From))
        {
            filter += $" and From eq {TableValues.Quote(query.From)}";
        }

        if (!string.IsNullOrEmpty(query.To))
        {
            filter += $" and To eq {TableValues.Quote(query.To)}";
        }

        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        await foreach (var page in tables.Inbound.QueryAsync<InboundMessageEntity>(filter, size, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, size).WithCancellation(cancellationToken))
        {
            return new TablePage<InboundMessageEntity>(page.Values, page.ContinuationToken);
        }

        return new TablePage<InboundMessageEntity>([], null);
    }

    /// <summary>
    /// The latest message <paramref name="accountId"/> sent from <paramref name="sender"/> to <paramref name="number"/>
    /// since <paramref name="since"/> (a message is found by its first or only recipient), or null.
    /// </summary>
    public async Task<string?> FindLatestSentAsync(string accountId, string number, string sender, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var senders = new HashSet<string>(StringComparer.Ordinal) { sender, sender.TrimStart('+') };
        if (!sender.StartsWith('+') && sender.All(char.IsAsciiDigit) && sender.Length > 8)
        {
            senders.Add("+" + sender);
        }

        var bySender = string.Join(" or ", senders.Select(s => $"Sender eq {TableValues.Quote(s)}"));
        var oldest = MessageStore.IdPrefix(since);
        var filter = AccountPartitions.Filter(accountId, null, oldest[..MessageEntity.BucketDigits])
            + $" and RowKey lt {TableValues.Quote(oldest + "g")} and Recipient eq {TableValues.Quote(number)} and ({bySender})";
        await foreach (var message in tables.Messages.QueryAsync<TableEntity>(filter, 100, ["RowKey", "AbandonedAt"], cancellationToken))
        {
            if (message.GetDateTimeOffset("AbandonedAt") is null)
            {
                return message.RowKey;
            }
        }

        return null;
    }

    private static string SeenKey(string carrier, string carrierMessageId)
    {
        var key = $"{carrier}:{carrierMessageId}";
        // Row keys may not hold / \ # ? or control characters; carrier ids are UUIDs and the like, anything else is hashed.
        return key.Length <= 200 && key.All(c => c > ' ' && c < 0x7f && c is not ('/' or '\\' or '#' or '?'))
            ? key
            : carrier + ":" + TableValues.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(carrierMessageId));
    }
}
