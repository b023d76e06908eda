using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>
/// Each account's opt-out list. The send path asks <see cref="GetSetAsync"/> once per send: the whole list, read at
/// most <see cref="RecentFor"/> ago (a change made by this process is seen at once, one made by another instance
/// within that time), so a send to an account without opt-outs costs one small query every few seconds.
/// </summary>
public sealed class OptOutStore(SmsTables tables, TimeProvider time) : IDisposable
{
    public const string SourceKeyword = "keyword";
    public const string SourceApi = "api";
    public const int MaxPageSize = 1000;

    public static readonly TimeSpan RecentFor = TimeSpan.FromSeconds(5);

    // The sets are never changed once read (a change drops the account's entry), so they are kept and shared as they are.
    private readonly RecentRows<IReadOnlySet<string>> _recent = new(RecentFor, 10_000, static numbers => numbers, time);

    /// <summary>Adds <paramref name="number"/>; a number already on the list keeps its first entry. True when added.</summary>
    public async Task<bool> AddAsync(string accountId, string number, string source, string? detail, CancellationToken cancellationToken = default)
    {
        _recent.Remove(accountId);
        try
        {
            await tables.OptOuts.AddEntityAsync(new OptOutEntity { PartitionKey = accountId, RowKey = number, Source = source, Detail = detail, At = time.GetUtcNow() }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
        finally
        {
            _recent.Remove(accountId);
        }
    }

    /// <summary>Adds many numbers, 100 per transaction; numbers already on the list are kept as they are. Answers how many were new.</summary>
    public async Task<int> AddManyAsync(string accountId, IReadOnlyList<string> numbers, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        _recent.Remove(accountId);
        var existing = await GetSetAsync(accountId, fresh: true, cancellationToken);
        var now = time.GetUtcNow();
        var added = numbers.Distinct(StringComparer.Ordinal).Where(n => !existing.Contains(n)).ToList();
        foreach (var chunk in added.Chunk(TableBatches.MaxActions))
        {
            // Upsert-merge keeps a concurrent keyword entry's source if it came first; a number is on the list either way.
            var actions = chunk.Select(n => new TableTransactionAction(TableTransactionActionType.UpsertMerge,
                new TableEntity(accountId, n) { ["Source"] = source, ["At"] = now })).ToList();
            await tables.OptOuts.SubmitTransactionAsync(actions, cancellationToken);
        }

        _recent.Remove(accountId);
        return added.Count;
    }

    /// <summary>Removes <paramref name="number"/>; false when it was not on the list.</summary>
    public async Task<bool> RemoveAsync(string accountId, string number, CancellationToken cancellationToken = default)
    {
        _recent.Remove(accountId);
        try
        {
            // The SDK answers a delete of a missing entity with its 404 response instead of throwing.
            var response = await tables.OptOuts.DeleteEntityAsync(accountId, number, ETag.All, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        finally
        {
            _recent.Remove(accountId);
        }
    }

    public async Task<OptOutEntity?> GetAsync(string accountId, string number, CancellationToken cancellationToken = default)
    {
        var response = await tables.OptOuts.GetEntityIfExistsAsync<OptOutEntity>(accountId, number, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task<TablePage<OptOutEntity>> ListAsync(string accountId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        await foreach (var page in tables.OptOuts.QueryAsync<OptOutEntity>($"PartitionKey eq {TableValues.Quote(accountId)}", size, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, size).WithCancellation(cancellationToken))
        {
            return new TablePage<OptOutEntity>(page.Values, page.ContinuationToken);
        }

        return new TablePage<OptOutEntity>([], null);
    }

    /// <summary>Every number on the account's list, as read at most <see cref="RecentFor"/> ago (or now, when <paramref name="fresh"/>).</summary>
    public async Task<IReadOnlySet<string>> GetSetAsync(string accountId, bool fresh = false, CancellationToken cancellationToken = default)
    {
        if (!fresh && _recent.TryGet(accountId, out var kept))
        {
            return kept;
        }

        var numbers = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in tables.OptOuts.QueryAsync<TableEntity>($"PartitionKey eq {TableValues.Quote(accountId)}", 1000, ["RowKey"], cancellationToken))
        {
            numbers.Add(row.RowKey);
        }

        _recent.Set(accountId, numbers);
        return numbers;
    }

    public void Dispose() => _recent.Dispose();
}
