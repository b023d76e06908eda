using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>Maps a stored recipient row to the Core's typed <see cref="RecipientRow"/> and back.</summary>
public static class RecipientRows
{
    /// <summary>The typed state of <paramref name="entity"/>; a state name this version does not know reads as DRAFT,
    /// from which the pipeline moves nothing.</summary>
    public static RecipientRow Read(RecipientEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new RecipientRow(
            StateOf(entity),
            entity.Attempts,
            entity.ClaimId,
            entity.UpdatedAt,
            entity.SentAt,
            entity.DeliveredAt,
            entity.Carrier,
            entity.CarrierReference,
            entity.RoutingJson,
            entity.ErrorCode,
            entity.ErrorDetail,
            entity.OutcomeUnknown,
            Enum.TryParse<RefundStatus>(entity.Refund, ignoreCase: true, out var refund) ? refund : RefundStatus.None,
            entity.RefundedAt);
    }

    public static RecipientState StateOf(RecipientEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return LifecycleApiNames.TryParseApiName(entity.State, out RecipientState state) ? state : RecipientState.Draft;
    }

    /// <summary>Writes <paramref name="row"/> onto <paramref name="entity"/> (keys, price, fields and ETag stay).</summary>
    public static void Write(RecipientRow row, RecipientEntity entity)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(entity);
        entity.State = row.State.ToApiName();
        entity.Attempts = row.Attempts;
        entity.ClaimId = row.ClaimId;
        entity.UpdatedAt = row.UpdatedAt;
        entity.SentAt = row.SentAt;
        entity.DeliveredAt = row.DeliveredAt;
        entity.Carrier = row.Carrier;
        entity.CarrierReference = row.CarrierReference;
        entity.RoutingJson = row.RoutingJson;
        entity.ErrorCode = row.ErrorCode;
        entity.ErrorDetail = row.ErrorDetail;
        entity.OutcomeUnknown = row.OutcomeUnknown;
        entity.Refund = row.Refund == RefundStatus.None ? null : row.Refund.ToString();
        entity.RefundedAt = row.RefundedAt;
    }
}
