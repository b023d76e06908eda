using System.Text.Json;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>One recipient of a message, as <c>GET /messages/{id}/recipients</c> answers it.</summary>
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
    string? ErrorDetail)
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
            entity.ErrorDetail);
    }
}
