using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Carriers.Tests.Kannel;

public sealed class KannelReceiptParserTests
{
    private const string Secret = "a-receipt-secret-of-some-length";
    private const string Mid = "0199aa55bb66cc77dd88ee99";
    private const string To = "+393331234567";
    private static readonly DateTimeOffset Submitted = new(2026, 3, 1, 8, 59, 0, TimeSpan.Zero); // a minute before the clock
    private const string Nonce = "1f2e-0123456789abcdef0123456789abcdef"; // a claim id
    private static readonly string Sig = KannelReceiptSignature.Compute(Secret, Mid, To, "", Submitted); // no nonce
    private static readonly string NonceSig = KannelReceiptSignature.Compute(Secret, Mid, To, Nonce, Submitted);
    private readonly SteppingTimeProvider _time = new();
    private readonly KannelReceiptParser _parser;

    public KannelReceiptParserTests() => _parser = new KannelReceiptParser(Secret, _time);

    [Theory]
    [InlineData("1", RecipientState.Delivered)]
    [InlineData("2", RecipientState.Undelivered)]
    [InlineData("4", RecipientState.Buffered)]
    [InlineData("8", RecipientState.Sent)]
    [InlineData("16", RecipientState.Rejected)]
    public void EveryKannelTypeMapsOntoItsState(string type, RecipientState state)
    {
        var result = _parser.Parse(Mid, To, Sig, type, "1772355600", "smsc-42", "");

        Assert.Equal(KannelReceiptVerdict.Receipt, result.Verdict);
        Assert.Equal(
            new DeliveryReceipt(Mid, To, state, DateTimeOffset.FromUnixTimeSeconds(1772355600), "Kannel", "smsc-42", Nonce: ""),
            result.Receipt);
    }

    [Fact]
    public void FailedReceiptWithSmppExpiredTextIsExpiredAndCarriesTheErrorCode()
    {
        const string Reply = "id:77 sub:001 dlvrd:000 submit date:2603010900 done date:2603020900 stat:EXPIRED err:027 text:Hello";

        var receipt = _parser.Parse(Mid, To, Sig, "2", "1772355600", "77", Reply).Receipt!;

        Assert.Equal((RecipientState.Expired, "027", Reply), (receipt.State, receipt.ErrorCode, receipt.Detail));
    }

    [Fact]
    public void FailedReceiptCarriesTheSmppErrorCode()
    {
        var receipt = _parser.Parse(Mid, To, Sig, "2", "1772355600", "77", "id:77 stat:UNDELIV err:00B text:x").Receipt!;

        Assert.Equal((RecipientState.Undelivered, "00B"), (receipt.State, receipt.ErrorCode));
    }

    [Fact]
    public void DeliveredReceiptHasNoErrorCodeAndEmptyFieldsBecomeNull()
    {
        var receipt = _parser.Parse(Mid, To, Sig, "1", "1772355600", "", "").Receipt!;

        Assert.Equal((null as string, null as string, null as string), (receipt.ErrorCode, receipt.CarrierReference, receipt.Detail));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    [InlineData("32")]
    public void UnknownTypeIsIgnoredButAcknowledged(string type)
    {
        var result = _parser.Parse(Mid, To, Sig, type, "1772355600", "x", "");

        Assert.Equal(KannelReceiptVerdict.Ignored, result.Verdict);
        Assert.Null(result.Receipt);
    }

    [Fact]
    public void MissingTimestampIsStampedWithNow()
    {
        var receipt = _parser.Parse(Mid, To, Sig, "1", null, null, null).Receipt!;

        Assert.Equal(_time.GetUtcNow(), receipt.At);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00000000000000000000000000000000")]
    [InlineData("not-hex-not-hex-not-hex-not-hex-")]
    [InlineData("abc")]
    public void WrongOrMissingSignatureIsRejected(string? sig)
    {
        var result = _parser.Parse(Mid, To, sig ?? "", "1", "1772355600");

        Assert.Equal(string.IsNullOrEmpty(sig) ? KannelReceiptVerdict.Malformed : KannelReceiptVerdict.BadSignature, result.Verdict);
        Assert.Null(result.Receipt);
    }

    [Fact]
    public void SignatureForAnotherRecipientOrMessageIsRejected()
    {
        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, "+393339999999", Sig, "1").Verdict);
        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse("0199aa55bb66cc77dd88ee98", To, Sig, "1").Verdict);
        Assert.Equal(KannelReceiptVerdict.BadSignature, new KannelReceiptParser("another-secret-entirely", _time).Parse(Mid, To, Sig, "1").Verdict);
    }

    [Fact]
    public void SignatureIsCaseInsensitiveHex() =>
        Assert.Equal(KannelReceiptVerdict.Receipt, _parser.Parse(Mid, To, Sig.ToUpperInvariant(), "1").Verdict);

    [Fact]
    public void WithoutASecretEveryReceiptIsRefused() =>
        Assert.Equal(KannelReceiptVerdict.BadSignature, new KannelReceiptParser(null, _time).Parse(Mid, To, Sig, "1").Verdict);

    [Theory]
    [InlineData(null, To, "1", "mid")]
    [InlineData(Mid, null, "1", "to")]
    [InlineData(Mid, To, null, "type")]
    [InlineData("", "", "", "mid, to, type")]
    public void MissingParametersAreMalformedAndNamed(string? mid, string? to, string? type, string named)
    {
        var result = _parser.Parse(mid, to, Sig, type);

        Assert.Equal(KannelReceiptVerdict.Malformed, result.Verdict);
        Assert.Contains(named, result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NonNumericTypeIsMalformed() =>
        Assert.Equal(KannelReceiptVerdict.Malformed, _parser.Parse(Mid, To, Sig, "%d").Verdict);

    [Fact]
    public void ASignatureExpiresAfterItsLifetime()
    {
        Assert.Equal(KannelReceiptVerdict.Receipt, _parser.Parse(Mid, To, Sig, "1").Verdict);

        _time.Advance(KannelReceiptParser.DefaultLifetime);

        var result = _parser.Parse(Mid, To, Sig, "1");
        Assert.Equal(KannelReceiptVerdict.BadSignature, result.Verdict);
        Assert.Contains("expired", result.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1772352000")] // an hour before the submission
    [InlineData("1772359200")] // an hour after now
    public void AReceiptDatedOutsideTheTimeSinceItsSubmissionIsRefused(string ts) =>
        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, Sig, "1", ts).Verdict);

    [Fact]
    public void ASignatureOfAnotherSubmissionTimeDoesNotMatch()
    {
        var other = KannelReceiptSignature.Compute(Secret, Mid, To, "", Submitted.AddSeconds(-30));
        var forged = other[..other.IndexOf('.', StringComparison.Ordinal)] + Sig[Sig.IndexOf('.', StringComparison.Ordinal)..];

        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, forged, "1").Verdict);
    }

    [Fact]
    public void AnUnversionedSignatureThatNeverExpiredIsRefused()
    {
        var legacy = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Secret), System.Text.Encoding.UTF8.GetBytes(Mid + "|" + To))[..16]);

        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, legacy, "1").Verdict);
    }

    [Fact]
    public void DuplicateCallbacksParseToEqualReceipts() =>
        Assert.Equal(_parser.Parse(Mid, To, Sig, "1", "1772355600", "9", "ok"), _parser.Parse(Mid, To, Sig, "1", "1772355600", "9", "ok"));

    [Fact]
    public void TheReceiptCarriesTheNonceItsSignatureCovers()
    {
        var receipt = _parser.Parse(Mid, To, NonceSig, "1", "1772355600", nonce: Nonce).Receipt!;

        Assert.Equal(Nonce, receipt.Nonce);
        Assert.Equal("", _parser.Parse(Mid, To, Sig, "1").Receipt!.Nonce); // absent reads as empty, never as "not checked"
    }

    [Theory]
    [InlineData("1f2e-another-claim")]
    [InlineData("")]
    [InlineData(null)]
    public void ANonceOtherThanTheSignedOneIsRefused(string? nonce) =>
        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, NonceSig, "1", nonce: nonce).Verdict);

    [Fact]
    public void ASignatureWithoutANonceFromTheVersionBeforeIsRefused()
    {
        var seconds = Submitted.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var unbound = seconds + "." + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Secret), System.Text.Encoding.UTF8.GetBytes(Mid + "|" + To + "|" + seconds))[..16]);

        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, unbound, "1", nonce: Nonce).Verdict);
        Assert.Equal(KannelReceiptVerdict.BadSignature, _parser.Parse(Mid, To, unbound, "1").Verdict);
    }
}
