using SmsFunctions.Core.Lifecycle;

namespace SmsFunctions.Core.Tests.Lifecycle;

/// <summary>The recipient lifecycle's decisions are pure and safe to re-run: deciding a change again on the row it
/// produced writes nothing, and money follows what certainly did (not) reach a carrier.</summary>
public sealed class RecipientDecisionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, RecipientState, RecipientChange> Changes() => new()
    {
        { "claim", RecipientState.Queued, new ClaimForDispatch("c1", T0) },
        { "claim scheduled", RecipientState.Scheduled, new ClaimForDispatch("c1", T0) },
        { "accepted", RecipientState.Dispatching, new RecordSubmit("c0", SubmitVerdict.Accepted, T0, "K", "ref", "[]") },
        { "rejected", RecipientState.Dispatching, new RecordSubmit("c0", SubmitVerdict.Rejected, T0, "K", Detail: "barred") },
        { "not accepted", RecipientState.Dispatching, new RecordSubmit("c0", SubmitVerdict.NotAccepted, T0, "K") },
        { "not submitted", RecipientState.Dispatching, new RecordSubmit("c0", SubmitVerdict.NotSubmitted, T0) },
        { "unknown", RecipientState.Dispatching, new RecordSubmit("c0", SubmitVerdict.Unknown, T0, "K") },
        { "receipt", RecipientState.Sent, new ApplyReceipt(RecipientState.Delivered, T0, T0, "K") },
        { "receipt of this attempt", RecipientState.Sent, new ApplyReceipt(RecipientState.Delivered, T0, T0, "K", Nonce: "c0") },
        { "expire", RecipientState.Queued, new Expire("over", T0) },
        { "abandoned", RecipientState.Dispatching, new FailAbandonedClaim("c0", T0) },
        { "poison", RecipientState.Queued, new FailPoisoned("boom", T0) },
        { "cancel", RecipientState.Queued, new Cancel(T0) },
        { "release", RecipientState.Draft, new Release(RecipientState.Queued, T0) },
        { "release claim", RecipientState.Dispatching, new ReleaseClaim("c0", T0) },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void EveryChangeAppliesOnceAndIsUnchangedWhenDecidedAgain(string name, RecipientState from, RecipientChange change)
    {
        var row = new RecipientRow(from, Attempts: 1, ClaimId: "c0", UpdatedAt: T0.AddMinutes(-1));

        var first = RecipientDecisions.Decide(row, change);
        var again = RecipientDecisions.Decide(first.Row, change);

        Assert.True(first.Applied, name);
        Assert.NotEqual(row, first.Row);
        Assert.Equal(DecisionKind.Unchanged, again.Kind);
        Assert.Equal(first.Row, again.Row);
    }

    [Fact]
    public void AReleaseMovesDraftsAndRowsOfAnInterruptedCloseButNeverAClaimedOrFinalRow()
    {
        Assert.Equal(RecipientState.Queued, RecipientDecisions.Decide(new RecipientRow(RecipientState.Draft), new Release(RecipientState.Queued, T0)).Row.State);
        Assert.Equal(RecipientState.Queued, RecipientDecisions.Decide(new RecipientRow(RecipientState.Scheduled), new Release(RecipientState.Queued, T0)).Row.State);
        Assert.Equal(DecisionKind.Unchanged, RecipientDecisions.Decide(new RecipientRow(RecipientState.Queued), new Release(RecipientState.Queued, T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(new RecipientRow(RecipientState.Queued, 1, "c"), new Release(RecipientState.Scheduled, T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(new RecipientRow(RecipientState.Canceled), new Release(RecipientState.Queued, T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(new RecipientRow(RecipientState.Draft), new Release(RecipientState.Sent, T0)).Kind);
    }

    [Fact]
    public void AClaimRecognisesItselfAndRefusesAnotherClaimsRow()
    {
        var queued = new RecipientRow(RecipientState.Queued);
        var mine = RecipientDecisions.Decide(queued, new ClaimForDispatch("mine", T0)).Row;

        Assert.True(mine.IsHeldBy("mine"));
        Assert.Equal(1, mine.Attempts);
        Assert.Equal(DecisionKind.Unchanged, RecipientDecisions.Decide(mine, new ClaimForDispatch("mine", T0.AddSeconds(5))).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(mine, new ClaimForDispatch("theirs", T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(mine, new RecordSubmit("theirs", SubmitVerdict.Accepted, T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(mine, new FailAbandonedClaim("theirs", T0)).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(mine, new Cancel(T0)).Kind);
    }

    [Theory]
    [InlineData(SubmitVerdict.Accepted, RecipientState.Sent, RefundStatus.None, false)]
    [InlineData(SubmitVerdict.Rejected, RecipientState.Rejected, RefundStatus.Due, false)]
    [InlineData(SubmitVerdict.NotAccepted, RecipientState.Failed, RefundStatus.Due, false)]
    [InlineData(SubmitVerdict.NotSubmitted, RecipientState.Failed, RefundStatus.Due, false)]
    [InlineData(SubmitVerdict.Unknown, RecipientState.Failed, RefundStatus.None, true)]
    public void OnlyWhatCertainlyNeverReachedACarrierIsOwedARefund(SubmitVerdict verdict, RecipientState state, RefundStatus refund, bool unknown)
    {
        var claimed = new RecipientRow(RecipientState.Dispatching, 1, "c");

        var row = RecipientDecisions.Decide(claimed, new RecordSubmit("c", verdict, T0)).Row;

        Assert.Equal((state, refund, unknown), (row.State, row.Refund, row.OutcomeUnknown));
        Assert.Equal(unknown, row.ErrorCode == RecipientErrorCodes.OutcomeUnknown);
    }

    [Fact]
    public void ExpiryAndPoisonRefundOnlyWhatWasNeverClaimedAndARefundIsRecordedOnce()
    {
        Assert.Equal(RefundStatus.Due, RecipientDecisions.Decide(new RecipientRow(RecipientState.Queued), new Expire("x", T0)).Row.Refund);
        Assert.Equal(RefundStatus.None, RecipientDecisions.Decide(new RecipientRow(RecipientState.Sent), new Expire("x", T0)).Row.Refund);
        var dispatching = RecipientDecisions.Decide(new RecipientRow(RecipientState.Dispatching, ClaimId: "c"), new FailPoisoned("x", T0)).Row;
        Assert.Equal((RefundStatus.None, true), (dispatching.Refund, dispatching.OutcomeUnknown));

        var due = RecipientDecisions.Decide(new RecipientRow(RecipientState.Queued), new FailPoisoned("x", T0)).Row;
        var paid = RecipientDecisions.Decide(due, new RecordRefund(T0)).Row;
        Assert.Equal((RefundStatus.Paid, (DateTimeOffset?)T0), (paid.Refund, paid.RefundedAt));
        Assert.Equal(DecisionKind.Unchanged, RecipientDecisions.Decide(paid, new RecordRefund(T0.AddHours(1))).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(new RecipientRow(RecipientState.Sent), new RecordRefund(T0)).Kind);
    }

    [Fact]
    public void AnOutcomeAfterItsReceiptAddsTheCarrierDetailsButNeverMovesTheStateBack()
    {
        var delivered = new RecipientRow(RecipientState.Delivered, 1, "c", DeliveredAt: T0);

        var decided = RecipientDecisions.Decide(delivered, new RecordSubmit("c", SubmitVerdict.Accepted, T0.AddSeconds(1), "Kannel", "ref-9", "[]"));

        Assert.True(decided.Applied);
        Assert.Equal((RecipientState.Delivered, "Kannel", "ref-9"), (decided.Row.State, decided.Row.Carrier, decided.Row.CarrierReference));
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(decided.Row, new ApplyReceipt(RecipientState.Sent, T0, T0)).Kind);
    }

    [Fact]
    public void AReceiptOfAnEarlierAttemptNeverMovesTheRecipientOfTheLatestOne()
    {
        // Claimed as c1, given back before anything went out, claimed again as c2 and submitted: the receipt (or a
        // forgery) made from c1's dlr-url must not set c2's outcome, before or after c2's outcome is recorded.
        var queued = new RecipientRow(RecipientState.Queued);
        var first = RecipientDecisions.Decide(queued, new ClaimForDispatch("c1", T0)).Row;
        var released = RecipientDecisions.Decide(first, new ReleaseClaim("c1", T0.AddSeconds(1))).Row;
        var second = RecipientDecisions.Decide(released, new ClaimForDispatch("c2", T0.AddSeconds(2))).Row;
        var sent = RecipientDecisions.Decide(second, new RecordSubmit("c2", SubmitVerdict.Accepted, T0.AddSeconds(3), "Kannel")).Row;
        var stale = new ApplyReceipt(RecipientState.Undelivered, T0.AddSeconds(4), T0.AddSeconds(4), "Kannel", Nonce: "c1");

        Assert.True(sent.IsForAnotherAttempt(stale));
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(second, stale).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(sent, stale).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(released, stale).Kind);
        Assert.Equal(DecisionKind.Refused, RecipientDecisions.Decide(sent, stale with { Nonce = "" }).Kind);

        var current = stale with { Nonce = "c2" };
        Assert.False(sent.IsForAnotherAttempt(current));
        Assert.Equal(RecipientState.Undelivered, RecipientDecisions.Decide(second, current).Row.State); // before its outcome
        Assert.Equal(RecipientState.Undelivered, RecipientDecisions.Decide(sent, current).Row.State);
        Assert.Equal(RecipientState.Undelivered, RecipientDecisions.Decide(sent, stale with { Nonce = null }).Row.State); // carriers without nonces
    }
}
