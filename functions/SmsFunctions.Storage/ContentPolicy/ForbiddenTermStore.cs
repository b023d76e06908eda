using Azure;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.ContentPolicy;

/// <summary>
/// The forbidden-word list of the content policy. Read often (every send), changed rarely (by an admin), so the list
/// is cached for <see cref="CacheDuration"/>; changes made in this process are visible at once.
/// </summary>
public sealed class ForbiddenTermStore(SmsTables tables, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() < snapshot.ExpiresAt)
        {
            return snapshot.Terms;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && time.GetUtcNow() < snapshot.ExpiresAt)
            {
                return snapshot.Terms;
            }

            var terms = new List<string>();
            await foreach (var row in tables.ForbiddenTerms.QueryAsync<ForbiddenTermEntity>(e => e.PartitionKey == ForbiddenTermEntity.Partition, cancellationToken: cancellationToken))
            {
                terms.Add(row.Term);
            }

            terms.Sort(StringComparer.Ordinal);
            _snapshot = new Snapshot(terms, time.GetUtcNow() + CacheDuration);
            return terms;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Adds the term (normalised to trimmed lower case); false when it was already there.</summary>
    public async Task<bool> AddAsync(string term, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(term);
        try
        {
            await tables.ForbiddenTerms.AddEntityAsync(
                new ForbiddenTermEntity { RowKey = KeyOf(normalized), Term = normalized, CreatedAt = time.GetUtcNow() }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
        finally
        {
            _snapshot = null;
        }
    }

    public async Task<bool> RemoveAsync(string term, CancellationToken cancellationToken = default)
    {
        try
        {
            await tables.ForbiddenTerms.DeleteEntityAsync(ForbiddenTermEntity.Partition, KeyOf(Normalize(term)), ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        finally
        {
            _snapshot = null;
        }
    }

    public void Dispose() => _refresh.Dispose();

    public static string Normalize(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        return term.Trim().ToLowerInvariant();
    }

    // Row keys may not contain / \ # ? or control characters; a hash makes any term a valid key.
    private static string KeyOf(string normalized) => TableValues.Sha256Hex(normalized);

    private sealed record Snapshot(IReadOnlyList<string> Terms, DateTimeOffset ExpiresAt);
}
