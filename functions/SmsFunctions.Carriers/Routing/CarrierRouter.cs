using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmsFunctions.Core.Retry;

namespace SmsFunctions.Carriers.Routing;

/// <summary>
/// Submits one recipient's SMS along the fallback chain for its country (<see cref="RoutingOptions.ChainFor"/>).
/// A throttled or transiently failing carrier is retried after each of <see cref="RoutingOptions.RetryDelays"/>, then
/// the next carrier is tried. Accepted and Rejected are final: a rejection is about the SMS, not the carrier.
/// </summary>
public sealed partial class CarrierRouter
{
    private readonly Dictionary<string, ICarrier> _carriers;
    private readonly IOptionsMonitor<RoutingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CarrierRouter> _logger;

    public CarrierRouter(
        IEnumerable<ICarrier> carriers, IOptionsMonitor<RoutingOptions> options, TimeProvider time, ILogger<CarrierRouter> logger)
    {
        ArgumentNullException.ThrowIfNull(carriers);
        _carriers = new Dictionary<string, ICarrier>(StringComparer.OrdinalIgnoreCase);
        foreach (var carrier in carriers)
        {
            // Last registration wins, like DI's single-service resolution.
            _carriers[carrier.Name] = carrier;
        }

        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task<RoutingOutcome> RouteAndSubmitAsync(
        CarrierSubmission submission, string countryCode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var options = _options.CurrentValue;
        var chain = options.ChainFor(countryCode);
        var schedule = options.RetrySchedule;
        var attempts = new List<RoutingAttempt>();
        CarrierSubmitResult? last = null;
        var lastCarrier = chain[^1];

        for (var link = 0; link < chain.Count; link++)
        {
            var name = chain[link];
            var next = link + 1 < chain.Count ? chain[link + 1] : null;
            if (!_carriers.TryGetValue(name, out var carrier))
            {
                last = CarrierSubmitResult.Transient($"Carrier '{name}' is not registered.");
                attempts.Add(new(name, 0, last.Outcome, last.Reason + Then(next), _time.GetUtcNow(), TimeSpan.Zero,
                    next is null ? RoutingAction.GiveUp : RoutingAction.Fallback));
                lastCarrier = name;
                continue;
            }

            for (var attempt = 1; ; attempt++)
            {
                var at = _time.GetUtcNow();
                var started = _time.GetTimestamp();
                var result = await SubmitAsync(carrier, submission, cancellationToken).ConfigureAwait(false);
                var latency = _time.GetElapsedTime(started);
                last = result;
                lastCarrier = carrier.Name;

                // Accepted, Rejected and Unknown are final: Unknown because a retry could send the SMS twice.
                if (result.Outcome is CarrierSubmitOutcome.Accepted or CarrierSubmitOutcome.Rejected or CarrierSubmitOutcome.Unknown)
                {
                    attempts.Add(new(carrier.Name, attempt, result.Outcome, result.Reason, at, latency, RoutingAction.Done));
                    return new RoutingOutcome(result, carrier.Name, attempts);
                }

                var delay = schedule.NextAttempt(attempt, Random.Shared) is RetryDecision.RetryAfter retry ? retry.Delay : (TimeSpan?)null;
                if (delay is { } wait && !(result.RetryAfter > wait))
                {
                    attempts.Add(new(carrier.Name, attempt, result.Outcome,
                        $"{result.Reason} Retrying {carrier.Name} in {wait.TotalMilliseconds:0} ms.", at, latency, RoutingAction.Retry));
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var why = delay is null
                    ? $"{result.Reason} {carrier.Name} failed {attempt} time(s)."
                    : $"{result.Reason} {carrier.Name} asks to wait {result.RetryAfter!.Value.TotalSeconds:0.#} s, longer than the retry schedule.";
                attempts.Add(new(carrier.Name, attempt, result.Outcome, why + Then(next), at, latency,
                    next is null ? RoutingAction.GiveUp : RoutingAction.Fallback));
                if (next is not null)
                {
                    LogFallback(submission.MessageId, carrier.Name, next, result.Outcome);
                }

                break;
            }
        }

        return new RoutingOutcome(last!, lastCarrier, attempts);
    }

    private static string Then(string? next) => next is null ? " No carrier left." : $" Falling back to {next}.";

    private async Task<CarrierSubmitResult> SubmitAsync(ICarrier carrier, CarrierSubmission submission, CancellationToken cancellationToken)
    {
        try
        {
            return await carrier.SubmitAsync(submission, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A misbehaving adapter is one more reason to fall back, and it is recorded and logged.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogCarrierThrew(exception, carrier.Name, submission.MessageId);
            return CarrierSubmitResult.Transient($"{carrier.Name} threw {exception.GetType().Name}: {exception.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}: {Carrier} answered {Outcome}, falling back to {Next}")]
    private partial void LogFallback(string messageId, string carrier, string next, CarrierSubmitOutcome outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Carrier {Carrier} threw while submitting message {MessageId}")]
    private partial void LogCarrierThrew(Exception exception, string carrier, string messageId);
}
