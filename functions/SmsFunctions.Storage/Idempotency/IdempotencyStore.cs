using Azure;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Idempotency;

/// <summary>
/// Remembers the answer given to each <c>Idempotency-Key</c> for <see cref="IdempotencyOptions.Retention"/> (at least
/// 24 hours). The first request inserts a pending row (the insert is the lock: a concurrent duplicate sees 409), and
/// its answer is stored when complete. A pending row older than <see cref="IdempotencyOptions.PendingTimeout"/> is
/// taken over, so a crashed request does not block its key for a day.
/// </summary>
public sealed class IdempotencyStore(SmsTables tables, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunks = 4;

    public async Task<IdempotencyOutcome> BeginAsync(string accountId, string key, string requestHash, CancellationToken cancellationToken = default)
    {
        var rowKey = TableValues.Sha256Hex(key);
        var now = time.GetUtcNow();
        var entity = new IdempotencyEntity { PartitionKey = accountId, RowKey = rowKey, RequestHash = requestHash, CreatedAt = now };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await tables.Idempotency.AddEntityAsync(entity, cancellationToken);
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Started);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
            }

            var existing = await tables.Idempotency.GetEntityIfExistsAsync<IdempotencyEntity>(accountId, rowKey, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value is null)
            {
                continue;
            }

            var row = existing.Value;
            var expired = row.CreatedAt + options.Value.Retention < now;
            var abandoned = row.Status == 0 && row.CreatedAt + options.Value.PendingTimeout < now;
            if (expired || abandoned)
            {
                try
                {
                    await tables.Idempotency.UpdateEntityAsync(entity, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
                    return new IdempotencyOutcome(IdempotencyOutcomeKind.Started);
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    continue;
                }
            }

            if (!string.Equals(row.RequestHash, requestHash, StringComparison.Ordinal))
            {
                return new IdempotencyOutcome(IdempotencyOutcomeKind.Mismatch);
            }

            return row.Status == 0
                ? new IdempotencyOutcome(IdempotencyOutcomeKind.InProgress)
                : new IdempotencyOutcome(IdempotencyOutcomeKind.Replay, row.Status, Join(row));
        }

        return new IdempotencyOutcome(IdempotencyOutcomeKind.InProgress);
    }

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
        await tables.Idempotency.UpsertEntityAsync(entity, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Forgets the key (the request failed without effect), so the client may retry with it.</summary>
    public async Task ReleaseAsync(string accountId, string key, CancellationToken cancellationToken = default)
    {
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
