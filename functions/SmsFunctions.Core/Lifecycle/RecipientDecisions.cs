namespace SmsFunctions.Core.Lifecycle;

/// <summary>What a decision did to a row.</summary>
public enum DecisionKind
{
    /// <summary>The row changes: write <see cref="RecipientDecision.Row"/>.</summary>
    Applied,

    /// <summary>Nothing to write: the row already says what the change would say (a repeated receipt, a claim
    /// already held by the same claim id, a refund already recorded).</summary>
    Unchanged,

    /// <summary>The change does not apply to this row (already final, claimed by someone else, a move the
    /// lifecycle does not allow). Nothing to write.</summary>
    Refused,
}

/// <summary>A row as a change leaves it, and what kind of decision that was.</summary>
public readonly record struct RecipientDecision(DecisionKind Kind, RecipientRow Row)
{
    public bool Applied => Kind == DecisionKind.Applied;
}

/// <summary>Error codes the lifecycle puts on recipients.</summary>
public static class RecipientErrorCodes
{
    /// <summary>The carrier may or may not have the SMS: charged, never sent again (<see cref="RecipientRow.OutcomeUnknown"/>).</summary>
    public const string OutcomeUnknown = "DISPATCH_OUTCOME_UNKNOWN";

    public const string NoCarrier = "NO_CARRIER_ACCEPTED";
    public const string Poisoned = "DISPATCH_FAILED";
    public const string Rejected = "CARRIER_REJECTED";
    public const string MissingTemplateField = "MISSING_TEMPLATE_FIELD";
    public const string ValidityExpired = "VALIDITY_EXPIRED";
}

/// <summary>
/// The decisions of the recipient lifecycle as pure functions: given a row and a change, the new row, or "unchanged",
/// or "refused". No clock, no storage: the time is in the change.
/// <para>
/// <b>Safe to re-run.</b> Deciding a change again on the row it produced gives <see cref="DecisionKind.Unchanged"/>,
/// and deciding it on a newer row (after a write conflict) gives what it would have done there. So the owner of the
/// rows can re-read and decide again as often as storage makes it, and a change repeated by a retry or a redelivery
/// is never applied twice (a claim recognises its own <see cref="RecipientRow.ClaimId"/>; a refund is owed once and
/// recorded paid once).
/// </para>
/// <para>
/// Money: a recipient that certainly never reached a carrier (failed before the submit, refused by every carrier,
/// expired or poisoned before its claim) gets <see cref="RefundStatus.Due"/>; one whose outcome is unknown (no
/// answer after the request went out, a claim left by a dead dispatcher) stays charged, ends FAILED with
/// <see cref="RecipientErrorCodes.OutcomeUnknown"/> and <see cref="RecipientRow.OutcomeUnknown"/> set. Canceling
/// does not refund (seed 003).
/// </para>
/// </summary>
public static class RecipientDecisions
{
    /// <summary>True when the row is held by the claim <paramref name="claimId"/> (claimed by it and not yet resolved).</summary>
    public static bool IsHeldBy(this RecipientRow row, string claimId)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.State == RecipientState.Dispatching && string.Equals(row.ClaimId, claimId, StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="receipt"/> names a submission attempt (its nonce) other than the recipient's
    /// latest claim: a receipt of an earlier attempt, or one forged from an earlier attempt's leaked dlr-url. Refused.</summary>
    public static bool IsForAnotherAttempt(this RecipientRow row, ApplyReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(receipt);
        return receipt.Nonce is not null && !string.Equals(row.ClaimId, receipt.Nonce, StringComparison.Ordinal);
    }

    public static RecipientDecision Decide(RecipientRow row, RecipientChange change)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(change);
        return change switch
        {
            ClaimForDispatch c => Claim(row, c),
            ReleaseClaim r => row.IsHeldBy(r.ClaimId)
                ? Changed(row, row with { State = RecipientState.Queued, ClaimId = null, UpdatedAt = r.At })
                : row.State == RecipientState.Queued ? Same(row) : Refuse(row),
            RecordSubmit s => Submit(row, s),
            ApplyReceipt r => Receipt(row, r),
            Expire e => Move(row, RecipientState.Expired, e.At, x => x with
            {
                ErrorCode = RecipientErrorCodes.ValidityExpired,
                ErrorDetail = e.Detail,
                Refund = NeverClaimed(row.State) ? RefundStatus.Due : x.Refund,
                OutcomeUnknown = row.State == RecipientState.Dispatching || x.OutcomeUnknown,
            }),
            FailAbandonedClaim f => row.State == RecipientState.Dispatching && string.Equals(row.ClaimId, f.ClaimId, StringComparison.Ordinal)
                ? Changed(row, row with
                {
                    State = RecipientState.Failed,
                    ErrorCode = RecipientErrorCodes.OutcomeUnknown,
                    ErrorDetail = "The dispatcher stopped while submitting; the carrier may or may not have the SMS, so it is not sent again.",
                    OutcomeUnknown = true,
                    UpdatedAt = f.At,
                })
                : row.State == RecipientState.Dispatching ? Refuse(row) : Same(row),
            FailPoisoned p => row.State is RecipientState.Queued or RecipientState.Scheduled or RecipientState.Dispatching
                ? Changed(row, row with
                {
                    State = RecipientState.Failed,
                    ErrorCode = RecipientErrorCodes.Poisoned,
                    ErrorDetail = p.Detail,
                    Refund = NeverClaimed(row.State) ? RefundStatus.Due : row.Refund,
                    OutcomeUnknown = row.State == RecipientState.Dispatching,
                    UpdatedAt = p.At,
                })
                : row.State == RecipientState.Failed && row.ErrorCode == RecipientErrorCodes.Poisoned ? Same(row) : Refuse(row),
            Cancel c => row.State.IsCancelable()
                ? Changed(row, row with { State = RecipientState.Canceled, UpdatedAt = c.At })
                : row.State == RecipientState.Canceled ? Same(row) : Refuse(row),
            // A closed transaction's rows: DRAFT, or moved by a close that was interrupted and is now repeated (never claimed).
            Release r => row.State == r.To ? Same(row)
                : (row.State == RecipientState.Draft || row.State is RecipientState.Queued or RecipientState.Scheduled && row.ClaimId is null)
                  && r.To is RecipientState.Queued or RecipientState.Scheduled
                    ? Changed(row, row with { State = r.To, UpdatedAt = r.At })
                    : Refuse(row),
            RecordRefund r => row.Refund switch
            {
                RefundStatus.Due => Changed(row, row with { Refund = RefundStatus.Paid, RefundedAt = r.At }),
                RefundStatus.Paid => Same(row),
                _ => Refuse(row),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Unknown recipient change."),
        };
    }

    private static RecipientDecision Claim(RecipientRow row, ClaimForDispatch c)
    {
        if (row.IsHeldBy(c.ClaimId))
        {
            return Same(row); // Our own claim, already written (perhaps by an attempt whose answer was lost).
        }

        return row.State is RecipientState.Queued or RecipientState.Scheduled
            ? Changed(row, row with { State = RecipientState.Dispatching, ClaimId = c.ClaimId, Attempts = row.Attempts + 1, UpdatedAt = c.At })
            : Refuse(row);
    }

    private static RecipientDecision Submit(RecipientRow row, RecordSubmit s)
    {
        var (target, code, refund, unknown) = s.Verdict switch
        {
            SubmitVerdict.Accepted => (RecipientState.Sent, (string?)null, false, false),
            SubmitVerdict.Rejected => (RecipientState.Rejected, s.ErrorCode ?? RecipientErrorCodes.Rejected, true, false),
            SubmitVerdict.NotAccepted => (RecipientState.Failed, s.ErrorCode ?? RecipientErrorCodes.NoCarrier, true, false),
            SubmitVerdict.NotSubmitted => (RecipientState.Failed, s.ErrorCode ?? RecipientErrorCodes.MissingTemplateField, true, false),
            _ => (RecipientState.Failed, RecipientErrorCodes.OutcomeUnknown, false, true),
        };

        // The submit's own claim must still hold the row, or a receipt must have moved it on already (then only the
        // carrier details are added). A row another claim holds is not this submit's to touch.
        if (row.State == RecipientState.Dispatching && s.ClaimId is not null && !string.Equals(row.ClaimId, s.ClaimId, StringComparison.Ordinal))
        {
            return Refuse(row);
        }

        var applied = RecipientStateMachine.Classify(row.State, target) == TransitionOutcome.Applied;
        var next = row with
        {
            Carrier = s.Carrier ?? row.Carrier,
            CarrierReference = row.CarrierReference ?? s.CarrierReference,
            RoutingJson = s.RoutingJson ?? row.RoutingJson,
            SentAt = row.SentAt ?? (s.Verdict == SubmitVerdict.Accepted ? s.At : null),
        };
        if (applied)
        {
            next = next with
            {
                State = target,
                ErrorCode = code ?? next.ErrorCode,
                ErrorDetail = code is null ? next.ErrorDetail : s.Detail,
                Refund = refund && row.Refund == RefundStatus.None ? RefundStatus.Due : next.Refund,
                OutcomeUnknown = unknown || next.OutcomeUnknown,
            };
        }

        if (next == row)
        {
            // Nothing new: already recorded (or overtaken by a receipt), unless the move is not one the lifecycle has.
            return RecipientStateMachine.Classify(row.State, target) == TransitionOutcome.Invalid ? Refuse(row) : Same(row);
        }

        return Changed(row, next with { UpdatedAt = s.At });
    }

    private static RecipientDecision Receipt(RecipientRow row, ApplyReceipt r)
    {
        if (row.IsForAnotherAttempt(r))
        {
            return Refuse(row);
        }

        switch (RecipientStateMachine.Classify(row.State, r.State))
        {
            case TransitionOutcome.Applied:
                var next = row with
                {
                    State = r.State,
                    UpdatedAt = r.At,
                    CarrierReference = row.CarrierReference ?? r.CarrierReference,
                    Carrier = row.Carrier ?? r.Carrier,
                    SentAt = r.State is RecipientState.Sent or RecipientState.Buffered or RecipientState.Delivered ? row.SentAt ?? r.ReportedAt : row.SentAt,
                    DeliveredAt = r.State == RecipientState.Delivered ? r.ReportedAt : row.DeliveredAt,
                };
                if (r.ErrorCode is not null) { next = next with { ErrorCode = r.ErrorCode, ErrorDetail = r.Detail }; }
                return Changed(row, next);
            case TransitionOutcome.Ignored when row.State == r.State:
                return Same(row);
            default:
                return Refuse(row);
        }
    }

    private static RecipientDecision Move(RecipientRow row, RecipientState to, DateTimeOffset at, Func<RecipientRow, RecipientRow> details)
    {
        if (RecipientStateMachine.Classify(row.State, to) != TransitionOutcome.Applied)
        {
            return row.State == to ? Same(row) : Refuse(row);
        }

        return Changed(row, details(row with { State = to, UpdatedAt = at }));
    }

    private static bool NeverClaimed(RecipientState state) => state is RecipientState.Draft or RecipientState.Scheduled or RecipientState.Queued;

    private static RecipientDecision Changed(RecipientRow before, RecipientRow after) =>
        after == before ? Same(before) : new RecipientDecision(DecisionKind.Applied, after);

    private static RecipientDecision Same(RecipientRow row) => new(DecisionKind.Unchanged, row);

    private static RecipientDecision Refuse(RecipientRow row) => new(DecisionKind.Refused, row);
}
