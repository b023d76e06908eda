using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers.Tests.Kannel;

public sealed class KannelReceiptEndpointTests
{
    private const string Secret = "a-receipt-secret-of-some-length";
    private const string Mid = "0199aa55bb66cc77dd88ee99";
    private const string To = "+393331234567";
    private const string Nonce = "1f2e-0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Submitted = new(2026, 3, 1, 8, 59, 0, TimeSpan.Zero);
    private static readonly string Sig = KannelReceiptSignature.Compute(Secret, Mid, To, "", Submitted); // no nonce
    private static readonly string NonceSig = KannelReceiptSignature.Compute(Secret, Mid, To, Nonce, Submitted);
    private readonly RecordingReceiptSink _sink = new();
    private readonly KannelReceiptParser _parser = new(Secret, new SteppingTimeProvider());

    [Fact]
    public async Task GetWithAValidReceiptIsAcceptedAndReachesTheSink()
    {
        var context = Get($"?mid={Mid}&to=%2B393331234567&nonce={Nonce}&sig={NonceSig}&type=8&ts=1772355600&smscid=abc&reply=ACK%2F");

        var result = await KannelReceiptEndpoint.HandleAsync(context, _parser, _sink);

        Assert.IsType<Accepted>(result.Result);
        var receipt = Assert.Single(_sink.Receipts);
        Assert.Equal((Mid, To, RecipientState.Sent, "abc", "ACK/", Nonce), (receipt.MessageId, receipt.Recipient, receipt.State, receipt.CarrierReference, receipt.Detail, receipt.Nonce));
    }

    [Fact]
    public async Task AReceiptWhoseSenderHangsUpMidApplyIsStillAppliedToTheEnd()
    {
        // Found in the Kannel-outage scenario: smsbox stopped while our receipt handler was between storing DELIVERED
        // and queuing its callback; the request's token cancelled the queuing and smsbox's retry died with it, so the
        // customer never got the delivery report.
        using var hangUp = new CancellationTokenSource();
        var context = Get($"?mid={Mid}&to=%2B393331234567&sig={Sig}&type=1&ts=1772355600");
        context.RequestAborted = hangUp.Token;
        var sink = new HangUpSink(hangUp);

        var result = await KannelReceiptEndpoint.HandleAsync(context, _parser, sink);

        Assert.IsType<Accepted>(result.Result);
        Assert.True(sink.Finished, "the sink's work after the state change was cancelled by the caller hanging up");
    }

    /// <summary>Stores the state, then the caller hangs up, then queues the callback with the token it was given.</summary>
    private sealed class HangUpSink(CancellationTokenSource hangUp) : IDeliveryReceiptSink
    {
        public bool Finished { get; private set; }

        public async Task AcceptAsync(SmsFunctions.Carriers.DeliveryReceipt receipt, CancellationToken cancellationToken = default)
        {
            await hangUp.CancelAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            Finished = true;
        }
    }

    [Fact]
    public async Task PostedFormIsReadToo()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/x-www-form-urlencoded";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes($"mid={Mid}&to=%2B393331234567&sig={Sig}&type=1&ts=1772355600"));

        var result = await KannelReceiptEndpoint.HandleAsync(context, _parser, _sink);

        Assert.IsType<Accepted>(result.Result);
        Assert.Equal(RecipientState.Delivered, Assert.Single(_sink.Receipts).State);
    }

    [Fact]
    public async Task DuplicateIsAcceptedAgainAndLeftToTheIdempotentSink()
    {
        var query = $"?mid={Mid}&to=%2B393331234567&sig={Sig}&type=1&ts=1772355600";

        var first = await KannelReceiptEndpoint.HandleAsync(Get(query), _parser, _sink);
        var second = await KannelReceiptEndpoint.HandleAsync(Get(query), _parser, _sink);

        Assert.IsType<Accepted>(first.Result);
        Assert.IsType<Accepted>(second.Result);
        Assert.Equal(_sink.Receipts[0], _sink.Receipts[1]);
    }

    [Fact]
    public async Task BadSignatureIsForbiddenAndNothingReachesTheSink()
    {
        var result = await KannelReceiptEndpoint.HandleAsync(Get($"?mid={Mid}&to=%2B393339999999&sig={Sig}&type=1"), _parser, _sink);

        Assert.Equal(403, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
        Assert.Empty(_sink.Receipts);
    }

    [Fact]
    public async Task MissingParametersAreABadRequest()
    {
        var result = await KannelReceiptEndpoint.HandleAsync(Get($"?mid={Mid}&sig={Sig}&type=1"), _parser, _sink);

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal("receipt_malformed", problem.ProblemDetails.Extensions["code"]);
    }

    [Fact]
    public async Task UnknownTypeIsAcknowledgedWithoutAReceipt()
    {
        var result = await KannelReceiptEndpoint.HandleAsync(Get($"?mid={Mid}&to=%2B393331234567&sig={Sig}&type=64"), _parser, _sink);

        Assert.IsType<Accepted>(result.Result);
        Assert.Empty(_sink.Receipts);
    }

    [Fact]
    public async Task AFailingSinkPropagatesSoKannelRetries()
    {
        _sink.FailNext = 1;

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            KannelReceiptEndpoint.HandleAsync(Get($"?mid={Mid}&to=%2B393331234567&sig={Sig}&type=1"), _parser, _sink));
    }

    private static DefaultHttpContext Get(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = KannelReceiptEndpoint.Path;
        context.Request.QueryString = new QueryString(query);
        return context;
    }
}
