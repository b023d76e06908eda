using Azure.Data.Tables;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>Reads the recipients of one dispatch chunk with a row-key range query: chunks are contiguous runs of
/// sorted numbers within one shard, so a chunk costs one query however large the message is. A small message this
/// process has just accepted costs no read at all: its rows, as written, are taken from <see cref="AcceptedRows"/>.</summary>
public sealed class RecipientRanges(SmsTables tables, RecipientStore store, AcceptedRows accepted)
{
    public async Task<List<RecipientEntity>> ReadAsync(string messageId, IReadOnlyList<string>? numbers, CancellationToken cancellationToken)
    {
        if (numbers is null && accepted.Take(messageId) is { } known)
        {
            return [.. known];
        }

        var result = new List<RecipientEntity>(numbers?.Count ?? 1);
        if (numbers is null)
        {
            await foreach (var row in store.QueryAsync(messageId, cancellationToken: cancellationToken))
            {
                result.Add(row);
            }

            return result;
        }

        if (numbers.Count == 0)
        {
            return result;
        }

        // A chunk is a run of sorted numbers of one shard: one partition, one row-key range.
        var wanted = new HashSet<string>(numbers, StringComparer.Ordinal);
        var first = numbers.Min(StringComparer.Ordinal)!;
        var last = numbers.Max(StringComparer.Ordinal)!;
        var partition = RecipientKeys.PartitionKey(messageId, first);
        var rows = numbers.All(n => RecipientKeys.PartitionKey(messageId, n) == partition)
            ? tables.RecipientsOf(partition).QueryAsync<RecipientEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {first} and RowKey le {last}"), 1000, cancellationToken: cancellationToken)
            : store.QueryAsync(messageId, cancellationToken: cancellationToken);
        await foreach (var row in rows)
        {
            if (wanted.Contains(row.RowKey))
            {
                result.Add(row);
            }
        }

        return result;
    }
}
