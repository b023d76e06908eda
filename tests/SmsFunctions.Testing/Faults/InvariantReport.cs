using System.Globalization;
using System.Text;

namespace SmsFunctions.Testing.Faults;

/// <summary>The outcome of <see cref="InvariantChecker.Check"/>: counts per invariant, and examples of each breach.</summary>
public sealed class InvariantReport
{
    private readonly Dictionary<string, List<string>> _examples = new(StringComparer.Ordinal);

    public required ScenarioEvidence Evidence { get; init; }

    /// <summary>Messages the client got a 201 for.</summary>
    public int Accepted { get; set; }

    /// <summary>Keyed requests that never got an answer before their deadline.</summary>
    public int Unanswered { get; set; }

    /// <summary>Accepted messages missing from storage, or with a recipient neither final nor legitimately pending.</summary>
    public int Lost { get; set; }

    /// <summary>Recipients that reached a carrier more than once.</summary>
    public int Duplicated { get; set; }

    /// <summary>Messages that reached a carrier without their charge standing in the ledger.</summary>
    public int Unpaid { get; set; }

    /// <summary>Messages (or requests) charged more than their price, and charges for messages that do not exist.</summary>
    public int DoubleCharged { get; set; }

    /// <summary>Messages with recipients that certainly never reached a carrier (failed or rejected before any
    /// submission) and were not refunded.</summary>
    public int Unrefunded { get; set; }

    /// <summary>Accepted recipients that ended without reaching a carrier (refused, failed before the submit, an
    /// unknown outcome, cancelled): not a breach by itself, but what a fault cost the customer.</summary>
    public int EndedUnsent { get; set; }

    /// <summary>Recipients a carrier took whose receipt the carrier lost (see
    /// <see cref="ScenarioEvidence.CarrierLostReceipts"/>).</summary>
    public int AwaitingLostReceipt { get; set; }

    /// <summary>Recipients a carrier took that are reported as never sent: CANCELED, REJECTED, or FAILED with anything
    /// but an unknown outcome ("delivered but reported FAILED").</summary>
    public int Misreported { get; set; }

    /// <summary>Stored messages no client got a 201 for (a request executed twice, or a failed request's leftovers).</summary>
    public int Orphans { get; set; }

    /// <summary>Final recipient states with no successful webhook at the receiver and no recorded give-up.</summary>
    public int WebhooksMissing { get; set; }

    /// <summary>Final recipient states the receiver accepted more than once.</summary>
    public int WebhooksDuplicated { get; set; }

    public int RecipientsFinal { get; set; }

    public int RecipientsPending { get; set; }

    public int CarrierSubmissions { get; set; }

    public decimal? Balance { get; set; }

    public decimal LedgerSum { get; set; }

    public decimal LedgerTopUps { get; set; }

    /// <summary>The account row's balance equals the ledger's sum, and the ledger's top-ups are the credit granted.</summary>
    public bool BalanceMatches => Balance == LedgerSum && LedgerTopUps == Evidence.CreditGranted;

    public bool Holds => WebhooksMissing == 0 && Unanswered == 0 && Lost == 0 && Duplicated == 0 && Unpaid == 0 && DoubleCharged == 0 && Unrefunded == 0 && Misreported == 0
        && (Evidence.DuplicateWebhooksTolerated || WebhooksDuplicated == 0) && BalanceMatches;

    internal void Example(string invariant, string example)
    {
        if (!_examples.TryGetValue(invariant, out var list)) { _examples[invariant] = list = []; }
        if (list.Count < 5) { list.Add(example); }
    }

    /// <summary>One line: what was done to the gateway and what came of it.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"[reliability] {Evidence.Scenario} ({Evidence.Elapsed.TotalSeconds:0} s): faults injected {Evidence.FaultsInjected}, kills survived {Evidence.Kills}, accepted {Accepted} " +
        $"(recipients final {RecipientsFinal}, pending {RecipientsPending}{(AwaitingLostReceipt > 0 ? $", of which awaiting a receipt the carrier lost {AwaitingLostReceipt}" : "")}), carrier submissions {CarrierSubmissions}, ended unsent {EndedUnsent}; " +
        $"lost {Lost}, duplicated {Duplicated}, unpaid {Unpaid}, double-charged {DoubleCharged}, unrefunded {Unrefunded}, misreported {Misreported}, unanswered {Unanswered}; " +
        $"balance {Fmt(Balance)} vs ledger {CarrierRecord.Money(LedgerSum)} (top-ups {CarrierRecord.Money(LedgerTopUps)} of {CarrierRecord.Money(Evidence.CreditGranted)} granted){(BalanceMatches ? "" : " MISMATCH")}; " +
        $"webhooks missing {WebhooksMissing}, duplicated {WebhooksDuplicated}{(Evidence.DuplicateWebhooksTolerated ? " (tolerated: at-least-once)" : "")}; orphan messages {Orphans}");

    /// <summary>The summary and a few examples of every breach, for an assertion message.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Summary);
        foreach (var (invariant, examples) in _examples)
        {
            text.AppendLine().Append("  ").Append(invariant).Append(": ").Append(string.Join(" | ", examples));
        }

        return text.ToString();
    }

    private static string Fmt(decimal? value) => value is { } v ? CarrierRecord.Money(v) : "(no account row)";
}
