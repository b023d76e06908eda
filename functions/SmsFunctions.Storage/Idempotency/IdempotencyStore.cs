using Azure;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Idempotency;

/// <summary>
/// Remembers the answer given to each <c>Idempotency-Key</c> for <see cref="IdempotencyOptions.Retention"/> (at least
/// 24 hours). The first request inserts a pending row (the insert is the lock: a concurrent duplicate sees 409), and
/// its answer is stored when complete. A pending row whose request has ended without an answer (in this process) or
/// whose owner has not answered for <see cref="IdempotencyOptions.PendingTimeout"/> (another process, perhaps dead) is
/// <em>resumed</em> by the next retry: the retry gets the first request's start time, from which the caller derives
/// the same message id and charge, and finishes what the first attempt began instead of doing it again.
/// </summary>
public sealed class IdempotencyStore(SmsTables tables, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunks = 4;

    /// <summary>This process (the store is a singleton), as the owner of the pending keys it works on.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), byte> _running = new();

    /// <summary>A request started (or resumed) now must not start charging after this long: by then a retry in another
    /// process may resume it.</summary>
    public TimeSpan ChargeDeadline => options.Value.PendingTimeout / 2;

    public async Task<IdempotencyOutcome> BeginAsync(string accountId, string key, string requestHash, CancellationToken cancellationToken = default)
    {
        var rowKey = TableValues.Sha256Hex(key);
        var now = time.GetUtcNow();
        var entity = new IdempotencyEntity { PartitionKey = accountId, RowKey = rowKey, RequestHash = requestHash, CreatedAt = now, Owner = Instance, OwnedSince = now };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // Marked running before the insert: a lost answer to the insert must not let our own retry resume it at once.
            _running[(accountId, rowKey)] = 0;
            try
            {
                await tables.Idempotency.AddEntityAsync(entity, cancellationToken);
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Started, StartedAt: now);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                _running.TryRemove((accountId, rowKey), out _);
            }
            catch
            {
                _running.TryRemove((accountId, rowKey), out _);
                throw;
            }

            var existing = await tables.Idempotency.GetEntityIfExistsAsync<IdempotencyEntity>(accountId, rowKey, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value is null)
            {
                continue;
            }

            var row = existing.Value;
            var expired = row.CreatedAt + options.Value.Retention < now;
            if (!expired && !string.Equals(row.RequestHash, requestHash, StringComparison.Ordinal))
            {
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Mismatch);
            }

            if (!expired && row.Status != 0)
            {
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Replay, row.Status, Join(row));
            }

            var mine = string.Equals(row.Owner, Instance, StringComparison.Ordinal);
            var resumable = expired
                || (mine && !_running.ContainsKey((accountId, rowKey)))
                || (!mine && (row.OwnedSince ?? row.CreatedAt) + options.Value.PendingTimeout < now);
            if (!resumable)
            {
                return new IdempotencyOutcome(IdempotencyOutcomeKind.InProgress);
            }

            var taken = expired ? entity : new IdempotencyEntity
            {
                PartitionKey = accountId,
                RowKey = rowKey,
                RequestHash = requestHash,
                CreatedAt = row.CreatedAt,
                Owner = Instance,
                OwnedSince = now,
            };
            if (!_running.TryAdd((accountId, rowKey), 0))
            {
                return new IdempotencyOutcome(IdempotencyOutcomeKind.InProgress);
            }

            try
            {
                await tables.Idempotency.UpdateEntityAsync(taken, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Started, StartedAt: taken.CreatedAt, Resumed: !expired);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                _running.TryRemove((accountId, rowKey), out _);
            }
            catch
            {
                _running.TryRemove((accountId, rowKey), out _);
                throw;
            }
        }

        return new IdempotencyOutcome(IdempotencyOutcomeKind.InProgress);
    }

    /// <summary>The request ended without an answer and perhaps with effects (a charge, rows): the key stays pending,
    /// and the client's next retry resumes it at once.</summary>
    public void Abandon(string accountId, string key) => _running.TryRemove((accountId, TableValues.Sha256Hex(key)), out _);

    /// <summary>Stores the answer so that retries replay it.</summary>
    public async Task CompleteAsync(string accountId, string key, string requestHash, int status, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var entity = new IdempotencyEntity
        {
            PartitionKey = accountId,
            RowKey = TableValues.Sha256Hex(key),
            RequestHash = requestHash,
            Status = status,
            CreatedAt = time.GetUtcNow(),
        };
        Split(entity, body);
        try
        {
            await tables.Idempotency.UpsertEntityAsync(entity, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
        }
        finally
        {
            _running.TryRemove((accountId, entity.RowKey), out _);
        }
    }

    /// <summary>Forgets the key (the request was refused, certainly without effect), so the client may retry with it.</summary>
    public async Task ReleaseAsync(string accountId, string key, CancellationToken cancellationToken = default)
    {
        Abandon(accountId, key);
        try
        {
            await tables.Idempotency.DeleteEntityAsync(accountId, TableValues.Sha256Hex(key), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    public static bool CanStore(int bodyLength) => bodyLength <= ChunkSize * MaxChunks;

    private static void Split(IdempotencyEntity entity, ReadOnlyMemory<byte> body)
    {
        if (!CanStore(body.Length))
        {
            throw new ArgumentException($"An idempotent answer can be at most {ChunkSize * MaxChunks} bytes.", nameof(body));
        }

        byte[]? Chunk(int index)
        {
            var start = index * ChunkSize;
            return start < body.Length || (index == 0) ? body.Slice(start, Math.Min(ChunkSize, Math.Max(0, body.Length - start))).ToArray() : null;
        }

        entity.Body0 = Chunk(0);
        entity.Body1 = Chunk(1);
        entity.Body2 = Chunk(2);
        entity.Body3 = Chunk(3);
    }

    private static byte[] Join(IdempotencyEntity row)
        => [.. row.Body0 ?? [], .. row.Body1 ?? [], .. row.Body2 ?? [], .. row.Body3 ?? []];
}
