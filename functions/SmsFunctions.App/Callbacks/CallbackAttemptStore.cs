using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SmsFunctions.Storage;

namespace SmsFunctions.App.Callbacks;

/// <summary>Every webhook attempt of a message (table <c>{prefix}CallbackAttempts</c>, PK message id), shown on
/// <c>GET /api/messages/{id}/callbacks</c>.</summary>
public sealed class CallbackAttemptStore : IDisposable
{
    private readonly TableClient _table;
    private readonly SemaphoreSlim _creating = new(1, 1);
    private volatile bool _created;

    public CallbackAttemptStore(TableServiceClient service, IOptions<StorageOptions> options)
    {
        _table = service.GetTableClient(options.Value.TablePrefix + "CallbackAttempts");
    }

    /// <summary>Creates the table once; a failed attempt (storage briefly down) is tried again by the next call
    /// instead of being remembered forever, as a cached faulted task would be.</summary>
    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created) { return; }
        await _creating.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await _table.CreateIfNotExistsAsync(cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _creating.Release();
        }
    }

    public async Task AddAsync(CallbackAttempt attempt, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var entity = new TableEntity(attempt.MessageId,
            $"{attempt.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{attempt.Recipient.TrimStart('+')}-{attempt.Event}-{attempt.Attempt:D2}")
        {
            ["Recipient"] = attempt.Recipient,
            ["Event"] = attempt.Event,
            ["Attempt"] = attempt.Attempt,
            ["At"] = attempt.At,
            ["StatusCode"] = attempt.StatusCode,
            ["LatencyMs"] = attempt.LatencyMs,
            ["Outcome"] = attempt.Outcome.ToString(),
            ["Error"] = attempt.Error,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<CallbackAttempt>> ListAsync(string messageId, int max = 1000, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var list = new List<CallbackAttempt>();
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {messageId}"), 1000, cancellationToken: cancellationToken))
        {
            list.Add(new CallbackAttempt(messageId, e.GetString("Recipient") ?? string.Empty, e.GetString("Event") ?? string.Empty,
                e.GetInt32("Attempt") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetInt32("StatusCode"), e.GetDouble("LatencyMs") ?? 0,
                Enum.TryParse<CallbackAttemptOutcome>(e.GetString("Outcome"), out var o) ? o : CallbackAttemptOutcome.GaveUp, e.GetString("Error")));
            if (list.Count >= max) { break; }
        }

        return list;
    }
    public void Dispose() => _creating.Dispose();
}
