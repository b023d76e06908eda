using Azure.Data.Tables;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>Reads the recipients of one dispatch chunk with a row-key range query: chunks are contiguous runs of
/// sorted numbers within one shard, so a chunk costs one query however large the message is. A small message this
/// process has just accepted costs no read at all: its rows, as written, are taken from <see cref="AcceptedRows"/>.</summary>
public sealed class RecipientRanges(SmsTables tables, AcceptedRows accepted)
{
    public async Task<List<RecipientEntity>> ReadAsync(string messageId, IReadOnlyList<string>? numbers, CancellationToken cancellationToken)
    {
        if (numbers is null && accepted.Take(messageId) is { } known)
        {
            return [.. known];
        }

        var result = new List<RecipientEntity>(numbers?.Count ?? 1);
        string filter;
        HashSet<string>? wanted = null;
        if (numbers is null)
        {
            filter = RecipientKeys.MessageFilter(messageId);
        }
        else
        {
            if (numbers.Count == 0)
            {
                return result;
            }

            // A chunk is a run of sorted numbers of one shard: one partition, one row-key range.
            wanted = new HashSet<string>(numbers, StringComparer.Ordinal);
            var first = numbers.Min(StringComparer.Ordinal)!;
            var last = numbers.Max(StringComparer.Ordinal)!;
            var partition = RecipientKeys.PartitionKey(messageId, first);
            filter = numbers.All(n => RecipientKeys.PartitionKey(messageId, n) == partition)
                ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {first} and RowKey le {last}")
                : RecipientKeys.MessageFilter(messageId);
        }

        await foreach (var row in tables.Recipients.QueryAsync<RecipientEntity>(filter, 1000, cancellationToken: cancellationToken))
        {
            if (wanted is null || wanted.Contains(row.RowKey))
            {
                result.Add(row);
            }
        }

        return result;
    }
}
