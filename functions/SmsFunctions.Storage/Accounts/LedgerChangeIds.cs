namespace SmsFunctions.Storage.Accounts;

/// <summary>
/// The ids of credit changes (see <see cref="CreditLedger"/>): each id is applied at most once, so every caller that
/// may repeat a change — a resumed request, a redelivered queue message, a second sweeper — must name it the same way.
/// </summary>
public static class LedgerChangeIds
{
    /// <summary>The charge of a message (or, for a transaction's add, of <c>{messageId}:{what was added}</c>).</summary>
    public static string Charge(string subject) => "charge:" + subject;

    /// <summary>The content-policy penalty of a message.</summary>
    public static string Penalty(string messageId) => "penalty:" + messageId;

    /// <summary>The refund of change <paramref name="changeId"/> (a charge whose write is known not to have landed).</summary>
    public static string RefundOf(string changeId) => "refund:" + changeId;

    /// <summary>The refund of one recipient that certainly never reached a carrier.</summary>
    public static string RecipientRefund(string messageId, string number) => $"refund:{messageId}:{number}";
}
