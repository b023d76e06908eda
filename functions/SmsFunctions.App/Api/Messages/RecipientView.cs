using System.Text.Json;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>One recipient of a message, as <c>GET /messages/{id}/recipients</c> answers it. <c>outcomeUnknown</c>: FAILED
/// with its outcome at the carrier unknown (still charged); <c>refund</c>: DUE or PAID when it never reached a carrier.</summary>
public sealed record RecipientView(
    string Number,
    string State,
    decimal Price,
    int Parts,
    string? CountryCode,
    IReadOnlyDictionary<string, string>? Fields,
    DateTimeOffset? SentAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? UpdatedAt,
    string? Carrier,
    string? CarrierReference,
    int Attempts,
    string? ErrorCode,
    string? ErrorDetail,
    bool OutcomeUnknown = false,
    string? Refund = null,
    DateTimeOffset? RefundedAt = null)
{
    public static RecipientView From(RecipientEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new RecipientView(
            entity.Number,
            entity.State,
            TableValues.ParseMoney(entity.Price),
            entity.Parts,
            entity.CountryCode,
            entity.FieldsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(entity.FieldsJson),
            entity.SentAt,
            entity.DeliveredAt,
            entity.UpdatedAt,
            entity.Carrier,
            entity.CarrierReference,
            entity.Attempts,
            entity.ErrorCode,
            entity.ErrorDetail,
            // FAILED but the carrier may have it: charged, never re-sent (DISPATCH_OUTCOME_UNKNOWN).
            entity.OutcomeUnknown,
            // DUE or PAID: it certainly never reached a carrier, and its charge is (being) given back.
            entity.Refund?.ToUpperInvariant(),
            entity.RefundedAt);
    }
}
