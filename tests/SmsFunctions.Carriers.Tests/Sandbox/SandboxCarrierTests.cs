using Microsoft.Extensions.Logging;
using SmsFunctions.Carriers.Sandbox;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers.Tests.Sandbox;

public sealed class SandboxCarrierTests : IAsyncDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(200);
    private readonly SteppingTimeProvider _time = new();
    private readonly RecordingReceiptSink _sink = new();
    private readonly ListLogger<SandboxCarrier> _logger = new();
    private readonly SandboxCarrier _carrier;

    public SandboxCarrierTests() =>
        _carrier = new SandboxCarrier(_sink, _time, new FixedOptionsMonitor<SandboxCarrierOptions>(new()), _logger);

    public ValueTask DisposeAsync() => _carrier.DisposeAsync();

    public static TheoryData<string, CarrierSubmitOutcome, RecipientState[]> Scripts => new()
    {
        { "+393471234567", CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Delivered] },
        { SandboxNumbers.Undelivered, CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Undelivered] },
        { SandboxNumbers.Expired, CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Buffered, RecipientState.Expired] },
        { SandboxNumbers.RejectedAtSubmit, CarrierSubmitOutcome.Rejected, [] },
        { SandboxNumbers.DeliveredLate, CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Delivered] },
        { SandboxNumbers.DuplicateReceipts, CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Delivered, RecipientState.Delivered] },
        { SandboxNumbers.OutOfOrderReceipts, CarrierSubmitOutcome.Accepted, [RecipientState.Delivered, RecipientState.Sent, RecipientState.Buffered] },
        { SandboxNumbers.Throttled, CarrierSubmitOutcome.Throttled, [] },
        { SandboxNumbers.TransientError, CarrierSubmitOutcome.TransientError, [] },
        { SandboxNumbers.RejectedBySmsc, CarrierSubmitOutcome.Accepted, [RecipientState.Sent, RecipientState.Rejected] },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task EachNumberProducesItsDocumentedOutcomeAndReceipts(string number, CarrierSubmitOutcome outcome, RecipientState[] states)
    {
        var submission = Submissions.To(number);

        var result = await _carrier.SubmitAsync(submission, TestContext.Current.CancellationToken);
        _time.Advance(Delay * 30);

        Assert.Equal(outcome, result.Outcome);
        var receipts = states.Length == 0 ? [] : await _sink.WaitForAsync(_ => true, states.Length);
        Assert.Equal(states, receipts.Select(r => r.State));
        Assert.All(receipts, r =>
        {
            Assert.Equal(submission.MessageId, r.MessageId);
            Assert.Equal(number, r.Recipient);
            Assert.Equal("Sandbox", r.Carrier);
            Assert.Equal(result.CarrierReference, r.CarrierReference);
        });
        Assert.Equal(0, _carrier.PendingReceipts);
    }

    [Fact]
    public async Task WithASubmissionLogEveryAcceptedOrRejectedSubmissionIsRecordedBeforeTheSubmitReturns()
    {
        var path = Path.Combine(Path.GetTempPath(), "sandbox-log-" + Guid.NewGuid().ToString("N") + ".log");
        await using var carrier = new SandboxCarrier(_sink, _time,
            new FixedOptionsMonitor<SandboxCarrierOptions>(new() { SubmissionLogPath = path }), _logger);
        try
        {
            var submission = Submissions.To("+393471234567");
            var accepted = await carrier.SubmitAsync(submission, TestContext.Current.CancellationToken);
            await carrier.SubmitAsync(Submissions.To(SandboxNumbers.RejectedAtSubmit), TestContext.Current.CancellationToken);
            await carrier.SubmitAsync(Submissions.To(SandboxNumbers.Throttled), TestContext.Current.CancellationToken);

            var lines = File.ReadAllLines(path).Select(l => l.Split('\t')).ToList();
            Assert.Equal(2, lines.Count);
            Assert.Equal(["+393471234567", "Accepted", accepted.CarrierReference], lines[0][2..]);
            Assert.Equal([SandboxNumbers.RejectedAtSubmit, "Rejected"], lines[1][2..4]);
            Assert.Equal(submission.MessageId, lines[0][1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AnyOtherNumberIsSentAfterAQuarterOfTheDelayAndDeliveredAfterTheDelay()
    {
        var started = _time.GetUtcNow();
        await _carrier.SubmitAsync(Submissions.To("+393401112233"), TestContext.Current.CancellationToken);

        _time.Advance(Delay / 4 - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_sink.Receipts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var sent = Assert.Single(await _sink.WaitForAsync(_ => true, 1));
        Assert.Equal((RecipientState.Sent, started + Delay / 4), (sent.State, sent.At));

        _time.Advance(Delay - Delay / 4);
        var delivered = (await _sink.WaitForAsync(_ => true, 2))[1];
        Assert.Equal((RecipientState.Delivered, started + Delay), (delivered.State, delivered.At));
    }

    [Fact]
    public async Task LateNumberIsNotDeliveredBeforeFiveSeconds()
    {
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.DeliveredLate), TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal([RecipientState.Sent], (await _sink.WaitForAsync(_ => true, 1)).Select(r => r.State));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(RecipientState.Delivered, (await _sink.WaitForAsync(_ => true, 2))[1].State);
    }

    [Fact]
    public async Task FailureReceiptsCarryErrorCodes()
    {
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.Undelivered), TestContext.Current.CancellationToken);
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.Expired), TestContext.Current.CancellationToken);
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.RejectedBySmsc), TestContext.Current.CancellationToken);
        _time.Advance(Delay);

        var receipts = await _sink.WaitForAsync(r => r.ErrorCode is not null, 3);
        Assert.Equal(
            [(RecipientState.Undelivered, SandboxNumbers.UndeliveredErrorCode), (RecipientState.Expired, SandboxNumbers.ExpiredErrorCode), (RecipientState.Rejected, SandboxNumbers.RejectedErrorCode)],
            receipts.Select(r => (r.State, r.ErrorCode!)).OrderBy(x => x.State));
    }

    [Fact]
    public async Task DuplicateReceiptsAreIdenticalApartFromTime()
    {
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.DuplicateReceipts), TestContext.Current.CancellationToken);
        _time.Advance(Delay * 2);

        var delivered = await _sink.WaitForAsync(r => r.State == RecipientState.Delivered, 2);
        Assert.Equal(delivered[0] with { At = default }, delivered[1] with { At = default });
    }

    [Fact]
    public async Task MagicNumbersMatchWithoutThePlus()
    {
        var result = await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.RejectedAtSubmit[1..]), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Rejected, result.Outcome);
    }

    [Fact]
    public async Task SameSubmissionGetsTheSameReference()
    {
        var submission = Submissions.To("+393401112233");

        var first = await _carrier.SubmitAsync(submission, TestContext.Current.CancellationToken);
        var second = await _carrier.SubmitAsync(submission, TestContext.Current.CancellationToken);

        Assert.StartsWith("sbx-", first.CarrierReference, StringComparison.Ordinal);
        Assert.Equal(first.CarrierReference, second.CarrierReference);
    }

    [Fact]
    public async Task AFailingSinkIsLoggedAndLaterReceiptsStillArrive()
    {
        _sink.FailNext = 1;
        await _carrier.SubmitAsync(Submissions.To("+393401112233"), TestContext.Current.CancellationToken);
        _time.Advance(Delay);

        var delivered = Assert.Single(await _sink.WaitForAsync(_ => true, 1));
        Assert.Equal(RecipientState.Delivered, delivered.State);
        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    [Fact]
    public async Task ReceiptDelayComesFromOptions()
    {
        await using var fast = new SandboxCarrier(_sink, _time,
            new FixedOptionsMonitor<SandboxCarrierOptions>(new() { ReceiptDelayMilliseconds = 20 }), _logger);
        await fast.SubmitAsync(Submissions.To("+393401112233"), TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal([RecipientState.Sent, RecipientState.Delivered], (await _sink.WaitForAsync(_ => true, 2)).Select(r => r.State));
    }

    [Fact]
    public async Task DisposingCancelsReceiptsNotYetDue()
    {
        await _carrier.SubmitAsync(Submissions.To(SandboxNumbers.DeliveredLate), TestContext.Current.CancellationToken);
        _time.Advance(Delay);
        await _sink.WaitForAsync(_ => true, 1);

        await _carrier.DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, _carrier.PendingReceipts);
        Assert.Equal([RecipientState.Sent], _sink.Receipts.Select(r => r.State));
    }

    [Fact]
    public async Task WithTheRealClockReceiptsArriveWithoutAnyoneAdvancingTime()
    {
        await using var real = new SandboxCarrier(_sink, TimeProvider.System,
            new FixedOptionsMonitor<SandboxCarrierOptions>(new() { ReceiptDelayMilliseconds = 4 }), _logger);
        var submission = Submissions.To("+393401112233");

        await real.SubmitAsync(submission, TestContext.Current.CancellationToken);

        Assert.Equal([RecipientState.Sent, RecipientState.Delivered],
            (await _sink.WaitForAsync(r => r.MessageId == submission.MessageId, 2)).Select(r => r.State));
    }
}
