using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// Submits through Kannel's smsbox <c>sendsms</c> interface. Kannel concatenates long texts itself (the sendsms-user
/// needs <c>concatenation = true</c> and <c>max-messages = 10</c>) and calls <see cref="KannelReceiptEndpoint"/> back
/// with receipts that carry our message id and recipient, signed (<see cref="KannelReceiptSignature"/>).
/// </summary>
/// <remarks>
/// Answers: 202 <c>0:</c>/<c>3:</c> → Accepted; 400 (bad receiver, sender, text) → Rejected; 503 and 429 →
/// Throttled; 401/403 (bad credentials), 404 (wrong URL) and other 4xx → TransientError, because they are our
/// configuration's fault, not the SMS's, and routing should fall back to another carrier; 5xx, timeouts and
/// refused connections → TransientError. Kannel's answer carries no id, so <see cref="CarrierSubmitResult.CarrierReference"/>
/// stays null; receipts correlate through the dlr-url.
/// </remarks>
public sealed partial class KannelCarrier : ICarrier
{
    public const string CarrierName = "Kannel";

    /// <summary>The named <see cref="HttpClient"/> this carrier uses.</summary>
    public const string HttpClientName = "SmsFunctions.Carriers.Kannel";

    private readonly IHttpClientFactory _httpClients;
    private readonly IOptionsMonitor<KannelCarrierOptions> _options;
    private readonly IReceiptBaseUrlProvider _receiptBaseUrl;
    private readonly TimeProvider _time;
    private readonly ILogger<KannelCarrier> _logger;

    public KannelCarrier(
        IHttpClientFactory httpClients,
        IOptionsMonitor<KannelCarrierOptions> options,
        IReceiptBaseUrlProvider receiptBaseUrl,
        TimeProvider time,
        ILogger<KannelCarrier> logger)
    {
        _httpClients = httpClients;
        _options = options;
        _receiptBaseUrl = receiptBaseUrl;
        _time = time;
        _logger = logger;
    }

    public string Name => CarrierName;

    public async Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var options = _options.CurrentValue;
        var receiptBaseUrl = options.ReceiptBaseUrl ?? _receiptBaseUrl.DefaultReceiptBaseUrl;
        if (receiptBaseUrl is null)
        {
            return CarrierSubmitResult.Transient(
                "Kannel: no receipt URL: set Sms:Carriers:Kannel:ReceiptBaseUrl, or let the app publish its own address.");
        }

        var now = _time.GetUtcNow();
        if (submission.ValidUntil is { } validUntil && validUntil <= now)
        {
            return CarrierSubmitResult.Rejected($"Kannel: validity period ended at {validUntil:O}, before submit.");
        }

        var uri = KannelSendSmsRequest.Build(options, receiptBaseUrl, submission, now);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        try
        {
            // The client's resilience pipeline limits each attempt and retries what never reached Kannel.
            using var response = await _httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            var result = Map(response.StatusCode, body, response.Headers.RetryAfter?.Delta);
            if (result.Outcome != CarrierSubmitOutcome.Accepted)
            {
                LogNotAccepted(submission.MessageId, (int)response.StatusCode, body);
            }

            return result;
        }
        catch (Exception exception) when (exception is TimeoutRejectedException || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The SMS may have been accepted: Kannel has no idempotency key, so a retry can send it twice.
            return CarrierSubmitResult.Unknown($"Kannel: no answer within {options.TimeoutSeconds} s; the SMS may have been accepted.");
        }
        catch (HttpRequestException exception) when (NeverReachedKannel(exception, request))
        {
            // Never reached Kannel: safe to retry or fall back.
            return CarrierSubmitResult.Transient($"Kannel: {exception.HttpRequestError}: {exception.Message}");
        }
        catch (HttpRequestException exception)
        {
            // Sent, but the answer was lost: Kannel may have the SMS.
            return CarrierSubmitResult.Unknown($"Kannel: {exception.HttpRequestError} after sending: {exception.Message}; the SMS may have been accepted.");
        }
    }

    /// <summary>Retries of a request that never reached Kannel, made by the HTTP client's resilience pipeline.</summary>
    public const int ConnectRetries = 2;

    /// <summary>One attempt's limit.</summary>
    public static TimeSpan AttemptTimeout(KannelCarrierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TimeSpan.FromSeconds(options.TimeoutSeconds);
    }

    /// <summary>True when the request failed before Kannel could have read it (nothing was sent): safe to repeat. A
    /// connection failure is not enough: the handler's own re-send of a request already written to a kept-alive
    /// connection that closed unanswered fails that way too (<see cref="SendOnce"/>).</summary>
    public static bool NeverReachedKannel(HttpRequestException exception, HttpRequestMessage? request)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return (request is null || !SendOnce.WasWritten(request))
            && exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;
    }

    /// <summary>Maps smsbox's answer to a submit result. Pure.</summary>
    public static CarrierSubmitResult Map(HttpStatusCode status, string body, TimeSpan? retryAfter = null)
    {
        var code = (int)status;
        return code switch
        {
            202 or 200 when body.StartsWith("0:", StringComparison.Ordinal) || body.StartsWith("3:", StringComparison.Ordinal)
                => CarrierSubmitResult.Accepted(),
            >= 200 and < 300 => CarrierSubmitResult.Transient($"Kannel: unexpected answer {code} '{body}'."),
            400 => CarrierSubmitResult.Rejected($"Kannel: {body}"),
            401 or 403 => CarrierSubmitResult.Transient(
                $"Kannel refused our credentials ({code} '{body}'): check Sms:Carriers:Kannel:Username/Password and the sendsms-user's user-allow-ip."),
            429 or 503 => CarrierSubmitResult.Throttled($"Kannel: {code} '{body}'.", retryAfter),
            _ => CarrierSubmitResult.Transient($"Kannel: {code} '{body}'."),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kannel did not accept message {MessageId}: {StatusCode} {Body}")]
    private partial void LogNotAccepted(string messageId, int statusCode, string body);
}
