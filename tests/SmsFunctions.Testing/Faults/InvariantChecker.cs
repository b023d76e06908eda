using System.Text.Json;
using Azure.Data.Tables;

namespace SmsFunctions.Testing.Faults;

/// <summary>
/// Checks, from storage and from the carriers' and the webhook receiver's own records, what issue 11 demands after
/// every fault scenario: every accepted message is final or legitimately pending (a draft or a future schedule); no
/// recipient reached a carrier twice; no carrier submission without its charge; no message charged more than its
/// price; a recipient that certainly never reached a carrier is refunded; the account's balance equals the ledger's
/// sum and the ledger's top-ups are exactly the credit granted; every final state has one successful webhook at the
/// receiver or a recorded give-up.
/// </summary>
public sealed class InvariantChecker(TableServiceClient storage, string tablePrefix)
{
    private const string UnknownOutcome = "DISPATCH_OUTCOME_UNKNOWN";
    /// <summary>How long past its due time a scheduled recipient may still wait (FireScheduled runs every 5 s and
    /// leaves rows younger than the outbox grace of 3 s to the API).</summary>
    public static readonly TimeSpan ScheduleSlack = TimeSpan.FromSeconds(15);
    private static readonly HashSet<string> NoWebhook = new(StringComparer.Ordinal) { "BLOCKED" };

    public Task<StorageSnapshot> ReadAsync(string accountId, CancellationToken cancellationToken = default)
        => StorageSnapshot.ReadAsync(storage, tablePrefix, accountId, cancellationToken);

    /// <summary>Waits (bounded) until every recipient of the accepted messages is final or legitimately pending and
    /// every final state with a callback has its webhook at the receiver or a recorded give-up; then reads the
    /// snapshot. (Messages no client got a 201 for are not waited for: nothing promises that they end.)</summary>
    public async Task<StorageSnapshot> SettleAsync(
        string accountId, IReadOnlySet<string> accepted, Func<IReadOnlyList<RecordedRequest>> webhooks, TimeSpan timeout,
        Func<RecipientRow, bool>? awaitsLostReceipt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(webhooks);
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var snapshot = await ReadAsync(accountId, cancellationToken).ConfigureAwait(false);
            var settled = snapshot.Recipients.Where(r => accepted.Contains(r.MessageId))
                .All(r => StorageSnapshot.FinalStates.Contains(r.State) || snapshot.IsLegitimatelyPending(r, ScheduleSlack) || awaitsLostReceipt?.Invoke(r) == true);
            if (settled)
            {
                var delivered = Delivered(webhooks());
                var withCallback = snapshot.Messages.Where(m => m.HasCallback).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
                var gaveUp = GaveUp(snapshot);
                settled = snapshot.Recipients.Where(r => accepted.Contains(r.MessageId) && withCallback.Contains(r.MessageId) && StorageSnapshot.FinalStates.Contains(r.State) && !NoWebhook.Contains(r.State))
                    .All(r => delivered.ContainsKey((r.MessageId, r.Number, r.State)) || gaveUp.Contains((r.MessageId, r.Number, r.State)));
            }

            if (settled)
            {
                // A charge whose message never came is refunded by the gateway's orphan check: wait for it too.
                var stored = snapshot.Messages.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
                settled = snapshot.Ledger.Where(l => l.MessageId is not null && l.Kind != "topup" && !stored.Contains(l.MessageId))
                    .GroupBy(l => l.MessageId, StringComparer.Ordinal).All(g => g.Sum(l => l.Amount) >= 0m);
            }

            if (settled || DateTime.UtcNow >= until) { return snapshot; }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false); // polling storage for the pipeline to finish
        }
    }

    public static InvariantReport Check(StorageSnapshot snapshot, ScenarioEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(evidence);
        var report = new InvariantReport { Evidence = evidence };
        var accepted = evidence.Sends.Where(s => s.Accepted).Select(s => s.MessageId!)
            .Concat(evidence.AcceptedMessageIds).ToHashSet(StringComparer.Ordinal);
        var messages = snapshot.Messages.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var rowsByMessage = snapshot.Recipients.GroupBy(r => r.MessageId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        report.Accepted = accepted.Count;
        report.Unanswered = evidence.Sends.Count(s => s.Unanswered);
        foreach (var s in evidence.Sends.Where(s => s.Unanswered)) { report.Example("unanswered", $"key {s.Key} after {s.Attempts} attempts"); }
        report.RecipientsFinal = snapshot.Recipients.Count(r => accepted.Contains(r.MessageId) && StorageSnapshot.FinalStates.Contains(r.State));
        report.RecipientsPending = snapshot.Recipients.Count(r => accepted.Contains(r.MessageId) && !StorageSnapshot.FinalStates.Contains(r.State));

        var submittedNow = Attribute(evidence.Carrier, snapshot.Recipients);
        bool AwaitsLostReceipt(RecipientRow r) => evidence.CarrierLostReceipts && r.State is ("SENT" or "BUFFERED") && submittedNow.ContainsKey((r.MessageId, r.Number));
        report.EndedUnsent = snapshot.Recipients.Count(r => accepted.Contains(r.MessageId) && StorageSnapshot.FinalStates.Contains(r.State) && !submittedNow.ContainsKey((r.MessageId, r.Number)));
        report.AwaitingLostReceipt = snapshot.Recipients.Count(r => accepted.Contains(r.MessageId) && AwaitsLostReceipt(r));

        // Lost: accepted, but missing, or stuck short of a final state.
        foreach (var id in accepted)
        {
            if (!messages.ContainsKey(id) || !rowsByMessage.TryGetValue(id, out var rows) || rows.Count == 0)
            {
                report.Lost++;
                report.Example("lost", $"{id}: {(messages.ContainsKey(id) ? "no recipient rows" : "no message row")}");
                continue;
            }

            var stuck = rows.Where(r => !StorageSnapshot.FinalStates.Contains(r.State) && !snapshot.IsLegitimatelyPending(r, ScheduleSlack) && !AwaitsLostReceipt(r)).ToList();
            if (stuck.Count > 0)
            {
                report.Lost++;
                report.Example("lost", $"{id}: {stuck.Count} recipient(s) stuck in {string.Join(",", stuck.Select(r => r.State).Distinct())}");
            }
        }

        report.Orphans = snapshot.Messages.Count(m => !accepted.Contains(m.Id));
        foreach (var m in snapshot.Messages.Where(m => !accepted.Contains(m.Id)))
        {
            report.Example("orphan messages", $"{m.Id} {m.State} (no 201 named it)");
        }

        // Duplicated: a recipient the carriers took more than once.
        report.CarrierSubmissions = evidence.Carrier.Count;
        foreach (var group in evidence.Carrier.GroupBy(c => c.Number, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            report.Duplicated++;
            report.Example("duplicated", $"+{group.Key} reached {string.Join(",", group.Select(c => c.Carrier))} {group.Count()} times");
        }

        // Money, per message: what it was charged (net of refunds) against what it owes and what it may cost.
        var net = snapshot.Ledger.Where(l => l.MessageId is not null && l.Kind != "topup")
            .GroupBy(l => l.MessageId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => -g.Sum(l => l.Amount), StringComparer.Ordinal);
        var refunds = snapshot.Ledger.Where(l => l.MessageId is not null && l.Kind == "refund")
            .GroupBy(l => l.MessageId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount), StringComparer.Ordinal);
        var submitted = submittedNow;
        var overcharged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in messages.Keys.Concat(net.Keys).Concat(submitted.Keys.Select(k => k.MessageId)).Distinct(StringComparer.Ordinal))
        {
            var rows = rowsByMessage.GetValueOrDefault(id) ?? [];
            var charged = net.GetValueOrDefault(id);
            var owed = rows.Where(r => submitted.ContainsKey((id, r.Number))).Sum(r => r.Price)
                + submitted.Keys.Count(k => k.MessageId == id && rows.All(r => r.Number != k.Number)) * 0.01m; // a submission with no row owes something
            if (charged < owed)
            {
                report.Unpaid++;
                report.Example("unpaid", $"{id}: reached a carrier owing {CarrierRecord.Money(owed)}, charged {CarrierRecord.Money(charged)}");
            }

            var price = rows.Sum(r => r.Price);
            var penalty = messages.TryGetValue(id, out var m) && m.State == "BLOCKED" ? charged : 0m;
            if (charged > price + penalty)
            {
                overcharged.Add(id);
                report.DoubleCharged++;
                report.Example("double-charged", rows.Count == 0 && !messages.ContainsKey(id)
                    ? $"{id}: charged {CarrierRecord.Money(charged)} for a message that does not exist"
                    : $"{id}: charged {CarrierRecord.Money(charged)} for recipients worth {CarrierRecord.Money(price)}");
            }

            foreach (var r in rows.Where(r => submitted.ContainsKey((id, r.Number)) && (r.State is "CANCELED" or "REJECTED" || (r.State == "FAILED" && r.ErrorCode != UnknownOutcome))))
            {
                report.Misreported++;
                report.Example("misreported", $"{id} +{r.Number}: reached a carrier, reported {r.State} {r.ErrorCode}: {r.Detail}");
            }

            // Never reached a carrier, failed or rejected for good: the issue requires a refund (an unknown outcome
            // may stay charged, and a cancellation is not refunded by design).
            var neverSent = rows.Where(r => r.State is "FAILED" or "REJECTED" && r.ErrorCode != UnknownOutcome && !submitted.ContainsKey((id, r.Number))).Sum(r => r.Price);
            if (neverSent > 0 && refunds.GetValueOrDefault(id) < neverSent)
            {
                report.Unrefunded++;
                report.Example("unrefunded", $"{id}: {CarrierRecord.Money(neverSent)} never reached a carrier, refunded {CarrierRecord.Money(refunds.GetValueOrDefault(id))}");
            }
        }

        // Money, per keyed request: one request is charged once, however many messages it left behind.
        var messagesByNumber = snapshot.Recipients.GroupBy(r => r.Number, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.MessageId).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        foreach (var send in evidence.Sends.Where(s => s.Numbers.Count == 1))
        {
            var ids = messagesByNumber.GetValueOrDefault(CarrierRecord.Digits(send.Numbers[0])) ?? [];
            if (ids.Count <= 1 || ids.All(overcharged.Contains)) { continue; }
            var charged = ids.Sum(id => net.GetValueOrDefault(id));
            var once = ids.Max(id => (rowsByMessage.GetValueOrDefault(id) ?? []).Sum(r => r.Price));
            if (charged > once)
            {
                report.DoubleCharged++;
                report.Example("double-charged", $"key {send.Key}: {ids.Count} messages ({string.Join(",", ids)}) charged {CarrierRecord.Money(charged)} for one request worth {CarrierRecord.Money(once)}");
            }
        }

        // Balance = the ledger's sum; the ledger's top-ups = the credit granted.
        report.Balance = snapshot.Balance;
        report.LedgerSum = snapshot.Ledger.Sum(l => l.Amount);
        report.LedgerTopUps = snapshot.Ledger.Where(l => l.Kind == "topup").Sum(l => l.Amount);
        if (!report.BalanceMatches)
        {
            report.Example("balance", $"account row {report.Balance}, ledger sum {report.LedgerSum}, top-ups {report.LedgerTopUps} of {evidence.CreditGranted} granted");
        }

        // Webhooks: one success at the receiver, or a give-up on record, per final state of an accepted message.
        var delivered = Delivered(evidence.Webhooks);
        var gaveUp = GaveUp(snapshot);
        foreach (var r in snapshot.Recipients.Where(r => accepted.Contains(r.MessageId) && StorageSnapshot.FinalStates.Contains(r.State) && !NoWebhook.Contains(r.State)))
        {
            if (!messages.TryGetValue(r.MessageId, out var m) || !m.HasCallback) { continue; }
            var count = delivered.GetValueOrDefault((r.MessageId, r.Number, r.State));
            if (count == 0 && !gaveUp.Contains((r.MessageId, r.Number, r.State)))
            {
                report.WebhooksMissing++;
                report.Example("webhooks missing", $"{r.MessageId} +{r.Number} {r.State}");
            }
            else if (count > 1)
            {
                report.WebhooksDuplicated++;
                report.Example("webhooks duplicated", $"{r.MessageId} +{r.Number} {r.State} ×{count}");
            }
        }

        return report;
    }

    /// <summary>Which stored recipient each carrier submission belongs to: by message id where the carrier knows it
    /// (sandbox), else by number (numbers are unique per request), preferring the row that says it was sent.</summary>
    private static Dictionary<(string MessageId, string Number), int> Attribute(IReadOnlyList<CarrierSubmissionRecord> carrier, IReadOnlyList<RecipientRow> rows)
    {
        var byNumber = rows.GroupBy(r => r.Number, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var result = new Dictionary<(string, string), int>();
        foreach (var c in carrier)
        {
            var id = c.MessageId;
            if (id is null && byNumber.TryGetValue(c.Number, out var candidates))
            {
                id = (candidates.FirstOrDefault(r => r.Carrier is not null) ?? candidates[0]).MessageId;
            }

            var key = (id ?? "(unknown message)", c.Number);
            result[key] = result.GetValueOrDefault(key) + 1;
        }

        return result;
    }

    private static HashSet<(string, string, string)> GaveUp(StorageSnapshot snapshot) =>
        snapshot.CallbackAttempts.Where(a => a.Outcome == "GaveUp").Select(a => (a.MessageId, a.Number, a.Event)).ToHashSet();

    /// <summary>Successful (2xx) webhooks at the receiver per (message, recipient digits, state).</summary>
    private static Dictionary<(string, string, string), int> Delivered(IReadOnlyList<RecordedRequest> webhooks)
    {
        var delivered = new Dictionary<(string, string, string), int>();
        foreach (var request in webhooks.Where(w => w.AnsweredStatus is >= 200 and < 300))
        {
            try
            {
                using var document = JsonDocument.Parse(request.Body);
                var data = document.RootElement.TryGetProperty("data", out var d) ? d : document.RootElement;
                var id = data.TryGetProperty("id", out var i) ? i.GetString() : null;
                var state = data.TryGetProperty("state", out var s) ? s.GetString() : null;
                var recipient = data.TryGetProperty("recipient", out var r) ? r.GetString() : null;
                if (id is null || state is null || recipient is null) { continue; }
                var key = (id, CarrierRecord.Digits(recipient), state);
                delivered[key] = delivered.GetValueOrDefault(key) + 1;
            }
            catch (JsonException)
            {
            }
        }

        return delivered;
    }
}
