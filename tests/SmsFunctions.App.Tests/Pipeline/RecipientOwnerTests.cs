using SmsFunctions.App.Pipeline;
using SmsFunctions.Carriers;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Pipeline;

/// <summary>
/// The recipient owner and the dispatch stages on an in-memory table and a fake clock, no emulator: claims in
/// slices, a claim whose answer was lost, redeliveries against live and abandoned claims, refunds and unknown
/// outcomes, receipts, cancel and the release of a closed transaction.
/// </summary>
public sealed class RecipientOwnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClaimsAreTakenInSlicesOfTheSubmitConcurrencyJustBeforeTheirSubmits()
    {
        DispatchRig rig = null!;
        var mostClaimedAhead = 0;
        rig = new DispatchRig(submission =>
        {
            // Claimed and not yet submitted (this one included): the slice being submitted, at most one slice waiting in
            // the hand-over channel and one just claimed by the claimer, blocked until the channel has room.
            var ahead = Enumerable.Range(0, 10).Select(i => rig.Store.Row(rig.MessageId, "+39333" + (1_000_000 + i)))
                .Count(r => r.State == "DISPATCHING" && !rig.Carrier.Submitted.Any(s => s.Recipient == r.Number && !ReferenceEquals(s, submission)));
            lock (rig) { mostClaimedAhead = Math.Max(mostClaimedAhead, ahead); }
            return Task.FromResult(CarrierSubmitResult.Accepted("r"));
        });
        var rows = rig.Seed(10);

        await rig.DispatchAsync(rows, DispatchRig.Settings(concurrency: 2)); // at 81f495f all ten were claimed before the first submit

        Assert.InRange(mostClaimedAhead, 1, 3 * 2); // Three slices of the concurrency at most (timing decides how many).
        Assert.Equal(10, rig.Carrier.Submitted.Count);
        Assert.All(rows, r => Assert.Equal("SENT", rig.Store.Row(rig.MessageId, r.Number).State));
    }

    [Fact]
    public async Task AClaimWhoseWriteCommittedButWhoseAnswerWasLostIsStillSentOnce()
    {
        // Finding "stuck recipients": a claim transaction that commits while its caller times out; the SDK's retry
        // gets 412. At 81f495f the dispatcher re-read the rows, found them DISPATCHING, took them for someone else's
        // and skipped them: never sent, never failed, DISPATCHING for good.
        var rig = new DispatchRig();
        var rows = rig.Seed(8);
        var lost = 0;
        rig.Store.Fault = batch => batch.All(r => r.State == "DISPATCHING") && Interlocked.Exchange(ref lost, 1) == 0 ? WriteFault.CommitThenLoseAnswer : WriteFault.None;

        await rig.DispatchAsync(rows, DispatchRig.Settings(concurrency: 8));

        Assert.Equal(1, lost);
        Assert.Equal(rows.Select(r => r.Number).Order(), rig.Carrier.Submitted.Select(s => s.Recipient).Order());
        Assert.All(rows, r => Assert.Equal("SENT", rig.Store.Row(rig.MessageId, r.Number).State));
    }

    [Fact]
    public async Task AClaimWhoseWriteCommittedAndThenTimedOutIsRetriedUnderTheSameClaimAndSentOnce()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(4);
        var lost = 0;
        rig.Store.Fault = batch => batch.All(r => r.State == "DISPATCHING") && Interlocked.Exchange(ref lost, 1) == 0 ? WriteFault.CommitThenThrow : WriteFault.None;

        var pass = rig.DispatchAsync(rows, DispatchRig.Settings(concurrency: 4));
        for (var i = 0; i < 2000 && !pass.IsCompleted; i++)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(100)); // The claim's retry waits on the fake clock.
            await Task.Delay(5, Ct);
        }

        await pass.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(1, lost);
        Assert.Equal(4, rig.Carrier.Submitted.Select(s => s.Recipient).Distinct().Count());
        Assert.Equal(4, rig.Carrier.Submitted.Count);
        Assert.All(rows, r => Assert.Equal("SENT", rig.Store.Row(rig.MessageId, r.Number).State));
    }

    [Fact]
    public async Task ARedeliveryLeavesALiveClaimAloneAndFailsAnAbandonedOneAsOutcomeUnknown()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(2);
        using var live = rig.Claims.Open();
        Assert.True((await rig.Owner.ApplyAsync(rows[0], new ClaimForDispatch(live.Id, rig.Time.GetUtcNow()), cancellationToken: Ct)).Applied);
        string deadId;
        using (var dead = rig.Claims.Open()) { deadId = dead.Id; }
        Assert.True((await rig.Owner.ApplyAsync(rows[1], new ClaimForDispatch(deadId, rig.Time.GetUtcNow()), cancellationToken: Ct)).Applied);

        rig.Time.Advance(TimeSpan.FromMinutes(5)); // Far past the claim timeout for both.
        var pass = await rig.DispatchAsync([rig.Store.Row(rig.MessageId, rows[0].Number), rig.Store.Row(rig.MessageId, rows[1].Number)], redelivered: true);

        var alive = rig.Store.Row(rig.MessageId, rows[0].Number);
        Assert.Equal("DISPATCHING", alive.State);
        Assert.Equal(live.Id, alive.ClaimId);
        Assert.NotNull(pass.WaitForOthers);
        var abandoned = rig.Store.Row(rig.MessageId, rows[1].Number);
        Assert.Equal("FAILED", abandoned.State);
        Assert.Equal(DispatchHandler.UnknownOutcomeCode, abandoned.ErrorCode);
        Assert.True(abandoned.OutcomeUnknown);
        Assert.Null(abandoned.Refund); // It may have reached the carrier: it stays charged.
        Assert.Empty(rig.Carrier.Submitted);
        Assert.Single(pass.Events, e => e.Recipient == rows[1].Number && e.State == "FAILED");
    }

    [Fact]
    public async Task ADefiniteRefusalIsRefundedOnceAndAnUnknownOutcomeStaysCharged()
    {
        var rig = new DispatchRig(s => Task.FromResult(s.Recipient[^1] switch
        {
            '0' => CarrierSubmitResult.Rejected("barred"),
            '1' => CarrierSubmitResult.Unknown("timed out after the request was sent"),
            '2' => CarrierSubmitResult.Transient("503 from the carrier"),
            _ => CarrierSubmitResult.Accepted("ok"),
        }));
        var rows = rig.Seed(4);

        var pass = await rig.DispatchAsync(rows);
        rig.Ledger.FailNext = 1; // The first ledger answer is lost: the refund's outcome is unknown, the row stays owed.
        await Assert.ThrowsAsync<TimeoutException>(() => rig.Refunds.PayAsync(pass.Settled, Ct));
        await rig.Refunds.PayAsync(pass.Settled, Ct);
        await rig.Refunds.PayAsync(rows.Select(r => rig.Store.Row(rig.MessageId, r.Number)).ToList(), Ct); // a redelivery: nothing more

        var rejected = rig.Store.Row(rig.MessageId, rows[0].Number);
        var unknown = rig.Store.Row(rig.MessageId, rows[1].Number);
        var notAccepted = rig.Store.Row(rig.MessageId, rows[2].Number);
        Assert.Equal(("REJECTED", "Paid"), (rejected.State, rejected.Refund));
        Assert.Equal(("FAILED", "Paid", RecipientErrorCodes.NoCarrier), (notAccepted.State, notAccepted.Refund, notAccepted.ErrorCode));
        Assert.Equal(("FAILED", (string?)null, RecipientErrorCodes.OutcomeUnknown, true), (unknown.State, unknown.Refund, unknown.ErrorCode, unknown.OutcomeUnknown));
        Assert.Equal("SENT", rig.Store.Row(rig.MessageId, rows[3].Number).State);
        Assert.Equal(
            new[] { CreditLedgerRefunds.ChangeId(rig.MessageId, rows[0].Number), CreditLedgerRefunds.ChangeId(rig.MessageId, rows[2].Number) }.Order(),
            rig.Ledger.Lines.Keys.Order());
        Assert.All(rig.Ledger.Lines.Values, amount => Assert.Equal(0.05m, amount));
        Assert.Equal(3, rig.Ledger.Calls); // the lost one, its retry, the other: nothing for the row already paid
    }

    [Fact]
    public async Task AMissingTemplateFieldFailsBeforeTheSubmitAndIsRefundable()
    {
        var rig = new DispatchRig();
        var row = rig.Store.Seed(rig.MessageId, ["+393331234567"], fieldsJson: "{\"other\":\"x\"}");

        var pass = await rig.DispatchAsync(row);

        Assert.Empty(rig.Carrier.Submitted);
        var failed = rig.Store.Row(rig.MessageId, "+393331234567");
        Assert.Equal(("FAILED", RecipientErrorCodes.MissingTemplateField, "Due"), (failed.State, failed.ErrorCode, failed.Refund));
        Assert.Contains(pass.Settled, r => r.Number == "+393331234567" && RecipientRefunds.IsDue(r));
    }

    [Fact]
    public async Task AnOutcomeHeldForItsReceiptBecomesOneWriteWithIt()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(1);
        var pass = rig.DispatchAsync(rows, DispatchRig.Settings(holdMs: 60_000)); // only the receipt can end the hold: the fake clock stands still
        // Claimed (one write), submitted, and its outcome waiting in the owner.
        for (var i = 0; i < 1000 && !(rig.Store.Writes == 1 && !rig.Carrier.Submitted.IsEmpty && rig.Owner.IsPending(rig.MessageId, rows[0].Number)); i++) { await Task.Delay(5, Ct); }
        await Task.Delay(50, Ct);
        Assert.False(pass.IsCompleted);
        var writesBefore = rig.Store.Writes;

        var receipt = await rig.Owner.ApplyAsync(rig.MessageId, rows[0].Number,
            new ApplyReceipt(RecipientState.Delivered, rig.Time.GetUtcNow(), rig.Time.GetUtcNow(), "Fake"), cancellationToken: Ct);
        var done = await pass.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(receipt.StateChanged);
        Assert.Equal(writesBefore + 1, rig.Store.Writes);
        var stored = rig.Store.Row(rig.MessageId, rows[0].Number);
        Assert.Equal(("DELIVERED", "ref-" + rows[0].Number.TrimStart('+')), (stored.State, stored.CarrierReference));
        Assert.Contains(done.Events, e => e.State == "SENT");
    }

    [Fact]
    public async Task ReceiptsAreAppliedOnceInOrderAndNeverBackwards()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(1, state: "SENT");
        var number = rows[0].Number;
        var at = rig.Time.GetUtcNow();

        var delivered = await rig.Owner.ApplyAsync(rig.MessageId, number, new ApplyReceipt(RecipientState.Delivered, at, at), cancellationToken: Ct);
        var again = await rig.Owner.ApplyAsync(rig.MessageId, number, new ApplyReceipt(RecipientState.Delivered, at, at.AddSeconds(1)), cancellationToken: Ct);
        var backwards = await rig.Owner.ApplyAsync(rig.MessageId, number, new ApplyReceipt(RecipientState.Buffered, at, at.AddSeconds(2)), cancellationToken: Ct);
        var unknown = await rig.Owner.ApplyAsync(rig.MessageId, "+393339999999", new ApplyReceipt(RecipientState.Delivered, at, at), cancellationToken: Ct);

        Assert.True(delivered.StateChanged);
        Assert.Equal((DecisionKind.Unchanged, RecipientState.Delivered), (again.Kind, again.From));
        Assert.Equal(DecisionKind.Refused, backwards.Kind);
        Assert.Null(unknown.Row);
        Assert.Equal("DELIVERED", rig.Store.Row(rig.MessageId, number).State);
        Assert.Equal(1, rig.Store.Writes);
    }

    [Fact]
    public async Task CancelTakesOnlyWhatNoDispatcherHoldsAndAChangeBehindTheOwnersBackIsDecidedAgain()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(3);
        using var lease = rig.Claims.Open();
        await rig.Owner.ApplyAsync(rows[0], new ClaimForDispatch(lease.Id, rig.Time.GetUtcNow()), cancellationToken: Ct);
        rig.Store.Change(rig.MessageId, rows[2].Number, r => r.State = "DISPATCHING"); // another process claimed it

        var results = await Task.WhenAll(rows.Select(r => rig.Owner.ApplyAsync(r, new Cancel(rig.Time.GetUtcNow()), cancellationToken: Ct)));

        Assert.Equal([DecisionKind.Refused, DecisionKind.Applied, DecisionKind.Refused], results.Select(r => r.Kind));
        Assert.Equal(["DISPATCHING", "CANCELED", "DISPATCHING"], rows.Select(r => rig.Store.Row(rig.MessageId, r.Number).State));
        var claimAfterCancel = await rig.Owner.ApplyAsync(rig.Store.Row(rig.MessageId, rows[1].Number), new ClaimForDispatch(lease.Id, rig.Time.GetUtcNow()), cancellationToken: Ct);
        Assert.Equal(DecisionKind.Refused, claimAfterCancel.Kind);
    }

    [Fact]
    public async Task ClosingATransactionReleasesDraftsOnceAndTheClockIsTheChanges()
    {
        var rig = new DispatchRig();
        var rows = rig.Seed(2, state: "DRAFT");
        var at = rig.Time.GetUtcNow().AddMinutes(3);

        var first = await Task.WhenAll(rows.Select(r => rig.Owner.ApplyAsync(r, new Release(RecipientState.Queued, at), cancellationToken: Ct)));
        var writes = rig.Store.Writes;
        var second = await Task.WhenAll(rows.Select(r => rig.Owner.ApplyAsync(r, new Release(RecipientState.Queued, at), cancellationToken: Ct)));

        Assert.All(first, o => Assert.True(o.StateChanged));
        Assert.All(second, o => Assert.Equal(DecisionKind.Unchanged, o.Kind));
        Assert.Equal(writes, rig.Store.Writes);
        Assert.All(rows, r => Assert.Equal(("QUEUED", at), (rig.Store.Row(rig.MessageId, r.Number).State, rig.Store.Row(rig.MessageId, r.Number).UpdatedAt!.Value)));
    }
}
