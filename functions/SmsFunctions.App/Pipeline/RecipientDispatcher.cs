using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using SmsFunctions.Carriers;
using SmsFunctions.Carriers.Routing;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Templates;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>How one dispatch pass runs (from <see cref="PipelineOptions"/>).</summary>
public sealed record DispatchSettings(int SubmitConcurrency, TimeSpan OutcomeHold, TimeSpan ClaimTimeout)
{
    public static DispatchSettings From(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(Math.Max(1, options.SubmitConcurrency), options.OutcomeHold, options.ClaimTimeout);
    }
}

/// <summary>What a dispatch pass did: the state changes to report, the rows that may owe a refund, and how long to
/// wait for recipients another dispatcher still holds (null: nothing left to wait for).</summary>
public sealed record DispatchPass(IReadOnlyList<CallbackEvent> Events, IReadOnlyList<RecipientEntity> Settled, TimeSpan? WaitForOthers);

/// <summary>
/// Dispatches the recipients of one message, in four stages: <b>claim</b> (QUEUED → DISPATCHING under a claim id,
/// through the recipient owner, in slices of the submit concurrency, at most one slice ahead of the submits) →
/// <b>render</b> (<see cref="RecipientBody"/>) → <b>route</b> (the carrier router and its fallbacks) →
/// <b>record</b> (the outcome as a <see cref="RecordSubmit"/>, held briefly so the delivery receipt joins it in one
/// write). Claiming in slices keeps every claim younger than one submit, and the <see cref="ClaimRegistry"/> tells a
/// redelivered dispatch message which claims are still being worked on here, so a redelivery never fails a claim
/// whose dispatcher is still submitting it.
/// </summary>
public sealed class RecipientDispatcher(IRecipientOwner owner, ClaimRegistry claims, CarrierRouter router, TimeProvider time)
{
    private const int ClaimAttempts = 3;

    public async Task<DispatchPass> DispatchAsync(
        MessageEntity header, IReadOnlyList<RecipientEntity> rows, DispatchSettings settings, bool redelivered,
        Func<CancellationToken, Task> beforeFirstSubmit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(beforeFirstSubmit);
        var now = time.GetUtcNow();
        var expired = header.ValidUntil is { } validUntil && validUntil <= now;
        var events = new List<CallbackEvent>();
        var settled = new List<RecipientEntity>();
        var toSend = new List<RecipientEntity>();
        TimeSpan? waitForOthers = null;

        foreach (var row in rows)
        {
            var state = RecipientRows.StateOf(row);
            switch (state)
            {
                case RecipientState.Queued or RecipientState.Scheduled when expired:
                    await SettleAsync(row, new Expire("The validity period ended before the SMS could be sent.", now), TimeSpan.Zero, events, settled, cancellationToken);
                    break;
                case RecipientState.Queued or RecipientState.Scheduled:
                    toSend.Add(row);
                    break;
                case RecipientState.Dispatching when claims.IsLive(row.ClaimId):
                    // Its dispatcher, in this process, is submitting it right now: never failed, whatever its age.
                    Wait(settings.ClaimTimeout);
                    break;
                case RecipientState.Dispatching when row.UpdatedAt is { } claimedAt && now - claimedAt >= settings.ClaimTimeout:
                    await SettleAsync(row, new FailAbandonedClaim(row.ClaimId, now), TimeSpan.Zero, events, settled, cancellationToken);
                    break;
                case RecipientState.Dispatching:
                    var left = settings.ClaimTimeout - (now - (row.UpdatedAt ?? now));
                    Wait(left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1));
                    break;
                case var final when final.IsTerminal():
                    if (redelivered && final != RecipientState.Canceled)
                    {
                        // This queue message was handled before and did not complete: the process may have died
                        // between storing this final state and queuing its callback. Replayed, it goes out only if
                        // never sent. CANCELED is not the pipeline's to report (the cancel API answers for it).
                        events.Add(new CallbackEvent(row.AccountId, row.MessageId, row.Number, row.State, row.UpdatedAt ?? now, Replay: true));
                    }

                    settled.Add(row); // A refund still owed (a crash after the outcome) is paid again, once.
                    break;
            }
        }

        if (toSend.Count > 0)
        {
            // Before anything is submitted: a recipient whose final receipt never comes still ends, as EXPIRED.
            await beforeFirstSubmit(cancellationToken);
            using var lease = claims.Open();
            var template = BodyTemplate.Parse(header.Body);
            var writes = new List<Task>(toSend.Count);

            // Not cancelled midway: a claimed recipient is submitted, and a submitted SMS has its outcome recorded.
            // The claimer works ahead of the submitters by a bounded amount: besides the slice being submitted, at most
            // one slice waits in the channel and one just claimed waits for room in it, so no claim is older than about
            // two submits when its SMS goes out.
            var ready = Channel.CreateBounded<RecipientEntity>(new BoundedChannelOptions(settings.SubmitConcurrency) { SingleWriter = true });
            var claimer = Task.Run(async () =>
            {
                try
                {
                    foreach (var slice in toSend.Chunk(settings.SubmitConcurrency))
                    {
                        foreach (var row in await ClaimAsync(slice, lease.Id))
                        {
                            await ready.Writer.WriteAsync(row, CancellationToken.None);
                        }
                    }

                    ready.Writer.Complete();
                }
#pragma warning disable CA1031 // Handed to the readers: the rows already claimed are still sent, then the pass fails.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    ready.Writer.Complete(ex);
                }
            }, CancellationToken.None);

            try
            {
                await Parallel.ForEachAsync(ready.Reader.ReadAllAsync(CancellationToken.None),
                    new ParallelOptions { MaxDegreeOfParallelism = settings.SubmitConcurrency, CancellationToken = CancellationToken.None },
                    async (row, _) =>
                    {
                        var outcome = await SubmitAsync(header, template, row, lease.Id);
                        var hold = outcome.Verdict == SubmitVerdict.Accepted ? settings.OutcomeHold : TimeSpan.Zero;
                        var write = SettleAsync(row, outcome, hold, events, settled, CancellationToken.None);
                        lock (writes) { writes.Add(write); }
                    });
                await claimer;
            }
            finally
            {
                Task[] all;
                lock (writes) { all = [.. writes]; }
                await Task.WhenAll(all);
            }
        }

        return new DispatchPass(events, settled, waitForOthers);

        void Wait(TimeSpan span) => waitForOthers = waitForOthers is null || span > waitForOthers ? span : waitForOthers;
    }

    /// <summary>Stage 1, claim: the slice's recipients, one ETag-guarded transaction per shard through the owner's
    /// group commit. A claim write whose answer was lost is retried under the same claim id and recognised as ours.
    /// Returns the recipients this claim holds.</summary>
    private async Task<List<RecipientEntity>> ClaimAsync(RecipientEntity[] slice, string claimId)
    {
        var now = time.GetUtcNow();
        var results = await Task.WhenAll(slice.Select(row => ClaimOneAsync(row, new ClaimForDispatch(claimId, now))));
        return [.. results.OfType<RecipientEntity>()];
    }

    private async Task<RecipientEntity?> ClaimOneAsync(RecipientEntity row, ClaimForDispatch claim)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await owner.ApplyAsync(row, claim, cancellationToken: CancellationToken.None);
                return outcome.Row is { } held && RecipientRows.Read(held).IsHeldBy(claim.ClaimId) ? held : null;
            }
#pragma warning disable CA1031 // Any failure: the claim may or may not be written; the same claim id decides on the retry.
            catch (Exception) when (attempt < ClaimAttempts)
#pragma warning restore CA1031
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, CancellationToken.None);
            }
            catch (Exception)
            {
                // Give the claim back if it was written after all: nothing of it was submitted.
                try { await owner.ApplyAsync(row, new ReleaseClaim(claim.ClaimId, time.GetUtcNow()), cancellationToken: CancellationToken.None); }
#pragma warning disable CA1031 // Best effort; the original error is what the caller must see.
                catch (Exception) { }
#pragma warning restore CA1031
                throw;
            }
        }
    }

    /// <summary>Stages 2 and 3, render and route: what the carriers made of this recipient's SMS.</summary>
    private async Task<RecordSubmit> SubmitAsync(MessageEntity header, BodyTemplate template, RecipientEntity row, string claimId)
    {
        if (!RecipientBody.TryRender(template, row.FieldsJson, header.SmartEncoding, out var body, out var missing))
        {
            return new RecordSubmit(claimId, SubmitVerdict.NotSubmitted, time.GetUtcNow(),
                Detail: $"The recipient has no value for {{{{{missing}}}}}.", ErrorCode: RecipientErrorCodes.MissingTemplateField);
        }

        var segments = SegmentCounter.Count(body);
        var submission = new CarrierSubmission(header.Id, row.Number, header.Sender, body, segments.Encoding, segments.MessageCount,
            header.Flash, header.ValidUntil, row.Attempts, Nonce: claimId);
        var started = Stopwatch.GetTimestamp();
        RoutingOutcome outcome;
        try
        {
            outcome = await router.RouteAndSubmitAsync(submission, row.CountryCode ?? header.CountryCode ?? "*", CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            // A configuration error (no route): nothing went out.
            return new RecordSubmit(claimId, SubmitVerdict.NotAccepted, time.GetUtcNow(), Detail: Truncate(ex.Message));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The router turns carrier errors into results; what escapes it may have reached the carrier.
            return new RecordSubmit(claimId, SubmitVerdict.Unknown, time.GetUtcNow(), Detail: Truncate(ex.Message));
        }

        PipelineMetrics.CarrierLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("carrier", outcome.Carrier));
        PipelineMetrics.Dispatched.Add(1, new KeyValuePair<string, object?>("carrier", outcome.Carrier), new KeyValuePair<string, object?>("outcome", outcome.Result.Outcome.ToString()));
        var routing = JsonSerializer.Serialize(outcome.Attempts.Select(a => new
        {
            carrier = a.Carrier,
            attempt = a.Attempt,
            outcome = a.Outcome.ToString(),
            reason = a.Reason,
            at = a.At,
            latencyMs = Math.Round(a.Latency.TotalMilliseconds, 1),
            action = a.Action.ToString(),
        }), PipelineJson.Options);
        var (verdict, detail) = outcome.Result.Outcome switch
        {
            CarrierSubmitOutcome.Accepted => (SubmitVerdict.Accepted, null),
            CarrierSubmitOutcome.Rejected => (SubmitVerdict.Rejected, outcome.Result.Reason),
            // Not re-sent: the carrier may have it.
            CarrierSubmitOutcome.Unknown => (SubmitVerdict.Unknown, outcome.Result.Reason),
            // Every carrier of the route answered an error or was throttled: none took it.
            _ => (SubmitVerdict.NotAccepted, outcome.Result.Reason ?? "Every carrier of the route failed."),
        };
        return new RecordSubmit(claimId, verdict, time.GetUtcNow(), outcome.Carrier, outcome.Result.CarrierReference, routing, Truncate(detail));
    }

    /// <summary>Stage 4, record (and the other changes a pass makes): through the owner; a change that set a state
    /// is reported, and the row is kept for the refund check.</summary>
    private async Task SettleAsync(RecipientEntity row, RecipientChange change, TimeSpan hold, List<CallbackEvent> events, List<RecipientEntity> settled, CancellationToken cancellationToken)
    {
        var outcome = await owner.ApplyAsync(row, change, hold, cancellationToken);
        if (!outcome.Applied || outcome.Row is not { } written)
        {
            return;
        }

        lock (events)
        {
            if (outcome.StateChanged)
            {
                events.Add(new CallbackEvent(written.AccountId, written.MessageId, written.Number, written.State, time.GetUtcNow()));
            }

            settled.Add(written);
        }
    }

    internal static string? Truncate(string? text) => text is { Length: > 500 } ? text[..500] : text;
}
