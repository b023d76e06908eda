using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.Api;

/// <summary>
/// The rows of an add under storage faults on their batch writes: a lost answer does not double or lose a row, and
/// rows that could not be written are told apart from those that were (only those may be refunded).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DraftRecipientWriterFaultTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private async Task<(DraftRecipientWriter Writer, RecipientStore Store, BatchFaultPolicy Faults)> WriterAsync()
    {
        var clean = await app.FreshTablesAsync("drafts");
        var faults = new BatchFaultPolicy();
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.AddPolicy(faults, HttpPipelinePosition.PerRetry);
        var tables = new SmsTables(new TableServiceClient(app.Azurite.ConnectionString, options),
            Microsoft.Extensions.Options.Options.Create(new SmsFunctions.Storage.StorageOptions { TablePrefix = clean.Prefix }));
        var store = new RecipientStore(tables);
        return (new DraftRecipientWriter(store, new SmsFunctions.App.Pipeline.RecipientOwner(store, TimeProvider.System), tables, TimeProvider.System), store, faults);
    }

    private static List<RecipientEntity> Rows(int count) =>
        [.. Numbers.Mobiles(count, 7_000_000).Select(n => new RecipientEntity { RowKey = n, AccountId = "acct", State = "DRAFT", Price = "0.05", Parts = 1 })];

    [Fact]
    public async Task LostAnswersOnBatchWritesLeaveEveryRowWrittenOnce()
    {
        var (writer, store, faults) = await WriterAsync();
        var id = MessageId.New(TimeProvider.System);
        var rows = Rows(250);
        faults.Arm(BatchFaultPolicy.Fault.DropAnswerAfterCommit, times: 3);

        var (written, missing, error) = await writer.InsertAsync(id, rows);

        Assert.True(faults.Injected > 0);
        Assert.Null(error);
        Assert.Empty(missing);
        Assert.Equal(rows.Count, written.Count);
        Assert.Equal(rows.Select(r => r.Number).Order(StringComparer.Ordinal), (await store.NumbersAsync(id, Ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RowsThatCouldNotBeWrittenAreToldApartFromThoseThatWere()
    {
        var (writer, store, faults) = await WriterAsync();
        var id = MessageId.New(TimeProvider.System);
        var rows = Rows(250);
        // The first batch gets through; storage then fails every try of every other one.
        faults.Arm(BatchFaultPolicy.Fault.FailBeforeSend, times: 10_000, passFirst: 1);

        var (written, missing, error) = await writer.InsertAsync(id, rows);
        faults.Arm(BatchFaultPolicy.Fault.FailBeforeSend, times: 0);

        // Every row is one or the other, and storage agrees with both lists.
        Assert.NotNull(error);
        Assert.NotEmpty(written);
        Assert.NotEmpty(missing);
        var stored = await store.NumbersAsync(id, Ct);
        Assert.Equal(rows.Count, written.Count + missing.Count);
        Assert.All(written, r => Assert.Contains(r.Number, stored));
        Assert.All(missing, r => Assert.DoesNotContain(r.Number, stored));

        // Written again without faults, the missing ones are added and nothing is doubled.
        var again = await writer.InsertAsync(id, missing);
        Assert.Null(again.Error);
        Assert.Equal(rows.Count, (await store.NumbersAsync(id, Ct)).Count);
    }

    [Fact]
    public async Task AnAddOverlappingACloseWithdrawsOnlyTheRowsTheCloseDidNotTake()
    {
        var (writer, store, _) = await WriterAsync();
        var id = MessageId.New(TimeProvider.System);
        var rows = Rows(300);
        var early = rows.Take(120).ToList();
        var late = rows.Skip(120).ToList();

        // The add has stored some rows when the transaction closes; the rest land after the close.
        Assert.Null((await writer.InsertAsync(id, early)).Error);
        var sending = await writer.CloseAsync(id, SmsFunctions.Core.Lifecycle.RecipientState.Queued, DateTimeOffset.UtcNow);
        Assert.Equal(early.Count, sending.Count);
        Assert.Null((await writer.InsertAsync(id, late)).Error);

        // The add finds the transaction closed: it withdraws (and may refund) exactly the rows the close did not take.
        var withdrawn = await writer.WithdrawAsync(id, rows.Select(r => r.Number).ToHashSet(StringComparer.Ordinal));
        Assert.Equal(late.Select(r => r.Number).Order(StringComparer.Ordinal), withdrawn.Select(r => r.Number).Order(StringComparer.Ordinal));
        var left = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in store.QueryAsync(id, cancellationToken: Ct)) { left[row.Number] = row.State; }
        Assert.Equal(early.Count, left.Count);
        Assert.All(left.Values, state => Assert.Equal("QUEUED", state));

        // Withdrawing again (a retry) finds nothing more to take back.
        Assert.Empty(await writer.WithdrawAsync(id, rows.Select(r => r.Number).ToHashSet(StringComparer.Ordinal)));
    }
}

/// <summary>Faults on entity-group transactions (<c>POST …/$batch</c>), one SDK try at a time.</summary>
public sealed class BatchFaultPolicy : HttpPipelinePolicy
{
    private readonly Lock _gate = new();
    private Fault _fault;
    private int _remaining;
    private int _passFirst;

    public enum Fault
    {
        /// <summary>The batch commits; its answer is lost.</summary>
        DropAnswerAfterCommit,

        /// <summary>The connection fails before the batch is sent.</summary>
        FailBeforeSend,
    }

    public int Injected { get; private set; }

    /// <summary>Injects <paramref name="fault"/> into <paramref name="times"/> batch tries, after letting <paramref name="passFirst"/> through.</summary>
    public void Arm(Fault fault, int times, int passFirst = 0)
    {
        lock (_gate)
        {
            _fault = fault;
            _remaining = times;
            _passFirst = passFirst;
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        Fault? fault = null;
        if (message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
        {
            lock (_gate)
            {
                if (_passFirst > 0)
                {
                    _passFirst--;
                }
                else if (_remaining > 0)
                {
                    _remaining--;
                    Injected++;
                    fault = _fault;
                }
            }
        }

        switch (fault)
        {
            case Fault.FailBeforeSend:
                throw new IOException("Injected: the connection failed before the batch was sent.");
            case Fault.DropAnswerAfterCommit:
                await ProcessNextAsync(message, pipeline);
                throw new IOException("Injected: the batch committed and its answer was lost.");
            default:
                await ProcessNextAsync(message, pipeline);
                break;
        }
    }
}
