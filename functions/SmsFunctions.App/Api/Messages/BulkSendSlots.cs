using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// How many bulk requests (sends, dry runs and transaction additions with at least
/// <see cref="ApiOptions.BulkRecipientThreshold"/> recipients) one account may have in work at once in this process.
/// A bulk request plans and stores up to 100,000 recipients: without a cap, one account (with any number of tokens)
/// could keep every core busy. Past the cap the request is refused with 429, before anything is charged.
/// </summary>
public sealed class BulkSendSlots(IOptions<ApiOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _inUse = new(StringComparer.Ordinal);

    public bool IsBulk(int recipients) => recipients >= options.Value.BulkRecipientThreshold;

    /// <summary>A slot to release (dispose) when the work is done, or null when the account has none free.</summary>
    public IDisposable? TryTake(string accountId)
    {
        var max = options.Value.MaxConcurrentBulkPerAccount;
        while (true)
        {
            var current = _inUse.GetOrAdd(accountId, 0);
            if (current >= max)
            {
                return null;
            }

            if (_inUse.TryUpdate(accountId, current + 1, current))
            {
                return new Slot(this, accountId);
            }
        }
    }

    public static IResult Refused(int max) => ApiProblem.Create(StatusCodes.Status429TooManyRequests, ApiErrorCodes.BulkLimitReached,
        "Too many bulk requests in progress.", $"An account may have {max} bulk requests in progress at once; retry when one has finished.",
        new Dictionary<string, object?> { ["maxConcurrentBulk"] = max });

    private void Release(string accountId)
    {
        while (true)
        {
            var current = _inUse[accountId];
            if (current <= 1 ? _inUse.TryRemove(new KeyValuePair<string, int>(accountId, current)) : _inUse.TryUpdate(accountId, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Slot(BulkSendSlots owner, string accountId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(accountId);
            }
        }
    }
}
