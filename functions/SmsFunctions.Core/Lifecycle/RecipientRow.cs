namespace SmsFunctions.Core.Lifecycle;

/// <summary>Whether a recipient's charge has been (or is to be) given back.</summary>
public enum RefundStatus
{
    /// <summary>Charged, and it stays charged (sent, or its outcome at the carrier is unknown).</summary>
    None,

    /// <summary>It certainly never reached a carrier: a refund is owed and not yet recorded as paid.</summary>
    Due,

    /// <summary>The refund's ledger line is durable.</summary>
    Paid,
}

/// <summary>
/// The part of a recipient that changes after acceptance, typed: what <see cref="RecipientDecisions"/> reads and
/// returns. Storage maps it to and from its row; nothing here knows about tables.
/// </summary>
/// <param name="State">Where the recipient is in its lifecycle.</param>
/// <param name="Attempts">Claims made for it (a dispatch attempt each).</param>
/// <param name="ClaimId">The dispatch claim that holds (or last held) it: a dispatcher recognises its own claim even
/// when the answer to its claim write was lost.</param>
/// <param name="OutcomeUnknown">The carrier may or may not have the SMS (a timeout after the request went out, a
/// claim left by a dispatcher that died): it stays charged and is never sent again.</param>
/// <param name="Refund">Whether its charge is owed back (it certainly never reached a carrier) or was given back.</param>
public sealed record RecipientRow(
    RecipientState State,
    int Attempts = 0,
    string? ClaimId = null,
    DateTimeOffset? UpdatedAt = null,
    DateTimeOffset? SentAt = null,
    DateTimeOffset? DeliveredAt = null,
    string? Carrier = null,
    string? CarrierReference = null,
    string? RoutingJson = null,
    string? ErrorCode = null,
    string? ErrorDetail = null,
    bool OutcomeUnknown = false,
    RefundStatus Refund = RefundStatus.None,
    DateTimeOffset? RefundedAt = null);
