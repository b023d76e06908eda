using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Callbacks;
using SmsFunctions.App.Pipeline;
using SmsFunctions.Core.Retry;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Inbound;

namespace SmsFunctions.App.Inbound;

/// <summary>
/// Delivers an inbound message's webhook for <see cref="DeliverCallbackHandler"/>: to the account's
/// <c>inboundCallback</c>, through the same <see cref="CallbackThrower"/> (signed with the account's webhook secret,
/// SSRF-guarded), with the same retry schedule and the same attempt log (<see cref="CallbackAttemptStore"/>).
/// </summary>
public sealed partial class InboundCallbacks(
    AccountStore accounts,
    InboundMessageStore store,
    CallbackThrower thrower,
    CallbackAttemptStore attempts,
    CallbackEnqueuer enqueuer,
    IOptionsMonitor<CallbackOptions> options,
    TimeProvider time,
    ILogger<InboundCallbacks> logger)
{
    public async Task DeliverAsync(CallbackEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        var opts = options.CurrentValue;
        var account = await accounts.GetAsync(e.AccountId, cancellationToken);
        if (account is null || string.IsNullOrEmpty(account.InboundCallbackJson)
            || CallbackSpec.FromJson(JsonNode.Parse(account.InboundCallbackJson), opts.DefaultRetries, opts.MaxRetries) is not { } spec)
        {
            LogNoWebhook(e.MessageId, e.AccountId);
            return; // No inbound webhook: the message waits in GET /api/inbound.
        }

        if (e.Replay && e.Attempt == 1 && await attempts.AnyAsync(e.AccountId, e.MessageId, e.Recipient, e.State, cancellationToken))
        {
            return; // Its webhook went out (or is being retried) before.
        }

        if (await store.GetAsync(e.AccountId, e.MessageId, cancellationToken) is not { } message)
        {
            return;
        }

        var (status, latency, error, gone) = await thrower.SendAsync(spec, InboundMessageView.Of(message).ToJson(), account.WebhookSecret, cancellationToken);
        var delivered = status is >= 200 and < 300;
        var outcome = delivered ? CallbackAttemptOutcome.Delivered : CallbackAttemptOutcome.GaveUp;
        TimeSpan? retryIn = null;
        if (!delivered && !gone && DeliverCallbackHandler.Schedule(opts, spec.Retry).NextAttempt(e.Attempt, Random.Shared) is RetryDecision.RetryAfter next)
        {
            outcome = CallbackAttemptOutcome.WillRetry;
            retryIn = next.Delay;
        }

        PipelineMetrics.CallbackAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        PipelineMetrics.CallbackLatency.Record(latency);
        await attempts.AddAsync(e.AccountId, new CallbackAttempt(e.MessageId, e.Recipient, e.State, e.Attempt, time.GetUtcNow(), status, Math.Round(latency, 1), outcome, error), cancellationToken);
        if (retryIn is { } delay)
        {
            await enqueuer.EnqueueAsync([e with { Attempt = e.Attempt + 1 }], delay, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Inbound message {InboundId} of {AccountId}: the account has no inbound webhook")]
    private partial void LogNoWebhook(string inboundId, string accountId);
}
