using System.Net;
using SmsFunctions.Carriers.Kannel;

namespace SmsFunctions.Carriers.Tests.Kannel;

public sealed class KannelCarrierMappingTests
{
    [Theory]
    [InlineData(202, "0: Accepted for delivery", CarrierSubmitOutcome.Accepted)]
    [InlineData(202, "3: Queued for later delivery", CarrierSubmitOutcome.Accepted)]
    [InlineData(202, "something else", CarrierSubmitOutcome.TransientError)]
    [InlineData(400, "Receiver number not valid", CarrierSubmitOutcome.Rejected)]
    [InlineData(403, "Authorization failed for sendsms", CarrierSubmitOutcome.TransientError)]
    [InlineData(404, "Not found", CarrierSubmitOutcome.TransientError)]
    [InlineData(429, "", CarrierSubmitOutcome.Throttled)]
    [InlineData(503, "Temporal failure, try again later.", CarrierSubmitOutcome.Throttled)]
    [InlineData(500, "boom", CarrierSubmitOutcome.TransientError)]
    [InlineData(502, "", CarrierSubmitOutcome.TransientError)]
    public void SendSmsAnswersMapOntoOutcomes(int status, string body, CarrierSubmitOutcome outcome) =>
        Assert.Equal(outcome, KannelCarrier.Map((HttpStatusCode)status, body).Outcome);

    [Fact]
    public void BadCredentialsSayWhatToCheck() =>
        Assert.Contains("Sms:Carriers:Kannel:Username", KannelCarrier.Map(HttpStatusCode.Forbidden, "Authorization failed").Reason, StringComparison.Ordinal);

    [Fact]
    public void ThrottledKeepsRetryAfter() =>
        Assert.Equal(TimeSpan.FromSeconds(3), KannelCarrier.Map(HttpStatusCode.ServiceUnavailable, "", TimeSpan.FromSeconds(3)).RetryAfter);
}
