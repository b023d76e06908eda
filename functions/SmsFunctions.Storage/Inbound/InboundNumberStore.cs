using Azure;
using Azure.Data.Tables;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.Storage.Inbound;

/// <summary>Who owns an inbound number. A number belongs to at most one account: the row is inserted, never
/// overwritten, so two accounts claiming it at once cannot both win.</summary>
public sealed class InboundNumberStore(SmsTables tables, TimeProvider time)
{
    /// <summary>Claims <paramref name="number"/> for <paramref name="accountId"/>; answers the row that owns it now
    /// (the caller's, or another account's when it was taken).</summary>
    public async Task<InboundNumberEntity> ClaimAsync(string number, string accountId, CancellationToken cancellationToken = default)
    {
        var entity = new InboundNumberEntity { RowKey = number, AccountId = accountId, CreatedAt = time.GetUtcNow() };
        try
        {
            await tables.Numbers.AddEntityAsync(entity, cancellationToken);
            return entity;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await GetAsync(number, cancellationToken) ?? throw new InvalidOperationException($"Number {number} was taken and released at once; retry.", ex);
        }
    }

    public async Task<InboundNumberEntity?> GetAsync(string number, CancellationToken cancellationToken = default)
    {
        var response = await tables.Numbers.GetEntityIfExistsAsync<InboundNumberEntity>(InboundNumberEntity.Partition, number, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The numbers of <paramref name="accountId"/>, in number order.</summary>
    public async Task<IReadOnlyList<InboundNumberEntity>> ListAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var filter = $"PartitionKey eq {TableValues.Quote(InboundNumberEntity.Partition)} and AccountId eq {TableValues.Quote(accountId)}";
        var list = new List<InboundNumberEntity>();
        await foreach (var entity in tables.Numbers.QueryAsync<InboundNumberEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(entity);
        }

        return list;
    }

    /// <summary>Releases <paramref name="number"/> if <paramref name="accountId"/> owns it; false when it does not.</summary>
    public async Task<bool> ReleaseAsync(string number, string accountId, CancellationToken cancellationToken = default)
    {
        var entity = await GetAsync(number, cancellationToken);
        if (entity is null || entity.AccountId != accountId)
        {
            return false;
        }

        try
        {
            await tables.Numbers.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Released by a concurrent call: the outcome asked for.
        }

        return true;
    }
}
