using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>What an in-memory recipient table does to one write.</summary>
internal enum WriteFault
{
    None,

    /// <summary>Refused as if another writer had changed a row (412).</summary>
    Conflict,

    /// <summary>Committed, but the answer never came back: the SDK retried and got 412, which the caller sees as a conflict.</summary>
    CommitThenLoseAnswer,

    /// <summary>Committed, then the call timed out: the caller sees an exception.</summary>
    CommitThenThrow,
}

/// <summary>An in-memory, ETag-checking recipient table with scripted faults; counts reads and writes (a batch is one write).</summary>
internal sealed class FakeRecipientRows : IRecipientRowStore
{
    private readonly Dictionary<(string, string), RecipientEntity> _rows = [];
    private long _etag;
    private int _reads;
    private int _writes;

    public Func<IReadOnlyList<RecipientEntity>, WriteFault> Fault { get; set; } = _ => WriteFault.None;

    public int Reads => Volatile.Read(ref _reads);

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Stores rows as accepted (with ETags) and returns them as the caller would have them after a read.</summary>
    public List<RecipientEntity> Seed(string messageId, IEnumerable<string> numbers, string state = "QUEUED", string price = "0.05", string? fieldsJson = null)
    {
        var result = new List<RecipientEntity>();
        lock (_rows)
        {
            foreach (var number in numbers)
            {
                var row = new RecipientEntity
                {
                    PartitionKey = RecipientKeys.PartitionKey(messageId, number), RowKey = number, AccountId = "acc_fake", State = state,
                    Price = price, Parts = 1, FieldsJson = fieldsJson, ETag = new Azure.ETag((++_etag).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                };
                _rows[(messageId, number)] = row.Copy();
                result.Add(row);
            }
        }

        return result;
    }

    /// <summary>The stored row, read behind the owner's back.</summary>
    public RecipientEntity Row(string messageId, string number)
    {
        lock (_rows) { return _rows[(messageId, number)].Copy(); }
    }

    /// <summary>Changes a stored row behind the owner's back (another process).</summary>
    public void Change(string messageId, string number, Action<RecipientEntity> change)
    {
        lock (_rows)
        {
            var row = _rows[(messageId, number)];
            change(row);
            row.ETag = new Azure.ETag((++_etag).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public Task<RecipientEntity?> GetAsync(string messageId, string number, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        lock (_rows) { return Task.FromResult(_rows.TryGetValue((messageId, number), out var row) ? row.Copy() : null); }
    }

    public Task<bool> TryReplaceAsync(RecipientEntity recipient, CancellationToken cancellationToken = default) =>
        TryReplaceBatchAsync(recipient.MessageId, [recipient], cancellationToken);

    public async Task<bool> TryReplaceBatchAsync(string messageId, IReadOnlyList<RecipientEntity> recipients, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        Interlocked.Increment(ref _writes);
        var fault = Fault(recipients);
        lock (_rows)
        {
            if (fault == WriteFault.Conflict || recipients.Any(r => !_rows.TryGetValue((messageId, r.RowKey), out var stored) || stored.ETag != r.ETag))
            {
                return false;
            }

            var etags = new List<Azure.ETag>();
            foreach (var r in recipients)
            {
                var copy = r.Copy();
                copy.ETag = new Azure.ETag((++_etag).ToString(System.Globalization.CultureInfo.InvariantCulture));
                _rows[(messageId, r.RowKey)] = copy;
                etags.Add(copy.ETag);
            }

            switch (fault)
            {
                case WriteFault.CommitThenLoseAnswer:
                    return false;
                case WriteFault.CommitThenThrow:
                    throw new IOException("The answer to a committed write was lost.");
            }

            for (var i = 0; i < recipients.Count; i++) { recipients[i].ETag = etags[i]; }
            return true;
        }
    }
}

/// <summary>A carrier whose answer per number is scripted (Accepted by default); records every submit.</summary>
internal sealed class ScriptedCarrier(Func<CarrierSubmission, Task<CarrierSubmitResult>>? answer = null) : ICarrier
{
    public ConcurrentQueue<CarrierSubmission> Submitted { get; } = new();

    public string Name => "Fake";

    public async Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
    {
        Submitted.Enqueue(submission);
        return answer is null ? CarrierSubmitResult.Accepted("ref-" + submission.Recipient.TrimStart('+')) : await answer(submission);
    }
}

internal sealed class FakeRefundLedger : IRefundLedger
{
    private readonly ConcurrentDictionary<string, decimal> _lines = new(StringComparer.Ordinal);

    public int Calls;

    public int FailNext;

    public IReadOnlyDictionary<string, decimal> Lines => _lines;

    public Task RefundAsync(string accountId, decimal amount, string messageId, string number, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Interlocked.Exchange(ref FailNext, 0) > 0)
        {
            throw new TimeoutException("The ledger did not answer.");
        }

        _lines.TryAdd(CreditLedgerRefunds.ChangeId(messageId, number), amount); // idempotent by change id, like the ledger
        return Task.CompletedTask;
    }
}

internal sealed class Monitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

/// <summary>One owner, one dispatcher, over the fakes and a fake clock.</summary>
internal sealed class DispatchRig
{
    public DispatchRig(Func<CarrierSubmission, Task<CarrierSubmitResult>>? answer = null)
    {
        Carrier = new ScriptedCarrier(answer);
        Owner = new RecipientOwner(Store, Time);
        var router = new CarrierRouter([Carrier], new Monitor<RoutingOptions>(new RoutingOptions { DefaultCarrier = "Fake", RetryDelaysMilliseconds = [] }),
            TimeProvider.System, NullLogger<CarrierRouter>.Instance);
        Dispatcher = new RecipientDispatcher(Owner, Claims, router, Time);
        Refunds = new RecipientRefunds(Ledger, Owner, Time);
        MessageId = Core.Messages.MessageId.New(TimeProvider.System);
        Header = new MessageEntity { PartitionKey = MessageEntity.PartitionKeyOf("acc_fake", MessageId), RowKey = MessageId, Body = "Hello {{name}}", Sender = "Rig", State = "QUEUED" };
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));

    public FakeRecipientRows Store { get; } = new();

    public ScriptedCarrier Carrier { get; }

    public RecipientOwner Owner { get; }

    public ClaimRegistry Claims { get; } = new();

    public RecipientDispatcher Dispatcher { get; }

    public FakeRefundLedger Ledger { get; } = new();

    public RecipientRefunds Refunds { get; }

    public string MessageId { get; }

    public MessageEntity Header { get; }

    public static DispatchSettings Settings(int concurrency = 4, int holdMs = 0, int claimTimeoutSeconds = 90) =>
        new(concurrency, TimeSpan.FromMilliseconds(holdMs), TimeSpan.FromSeconds(claimTimeoutSeconds));

    public List<RecipientEntity> Seed(int count, string state = "QUEUED") =>
        Store.Seed(MessageId, Enumerable.Range(0, count).Select(i => "+39333" + (1_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), state,
            fieldsJson: "{\"name\":\"Ada\"}");

    public Task<DispatchPass> DispatchAsync(IReadOnlyList<RecipientEntity> rows, DispatchSettings? settings = null, bool redelivered = false) =>
        Dispatcher.DispatchAsync(Header, rows, settings ?? Settings(), redelivered, _ => Task.CompletedTask, TestContext.Current.CancellationToken);
}
