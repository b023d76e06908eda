using System.Text.Json.Nodes;
using SmsFunctions.Core.Templates;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The message object of seed 002 as one recipient sees it, for webhooks: every field of the API's message plus the
/// recipient's own state, price, timestamps, carrier and error.
/// </summary>
public static class MessageView
{
    public static JsonObject ForRecipient(MessageEntity message, RecipientEntity? recipient, string state)
    {
        var number = recipient?.Number ?? message.Recipient;
        var body = message.Body;
        if (recipient?.FieldsJson is { Length: > 0 } fieldsJson)
        {
            var template = BodyTemplate.Parse(message.Body);
            if (template.HasPlaceholders && JsonNode.Parse(fieldsJson) is JsonObject fields)
            {
                var values = fields.ToDictionary(f => f.Key, f => f.Value?.ToString() ?? string.Empty, StringComparer.Ordinal);
                body = template.TryRender(values, out var rendered, out _) ? rendered : body;
            }
        }

        return new JsonObject
        {
            ["id"] = message.Id,
            ["username"] = message.Username,
            ["state"] = state,
            ["sender"] = message.Sender,
            ["recipient"] = number,
            ["internationalPrefix"] = message.InternationalPrefix,
            ["countryCode"] = recipient?.CountryCode ?? message.CountryCode,
            ["message"] = body,
            ["encoding"] = message.Encoding,
            ["charactersCount"] = message.CharactersCount,
            ["messageCount"] = recipient?.Parts ?? message.MessageCount,
            ["price"] = Money(recipient?.Price ?? message.Price),
            ["totalPrice"] = Money(message.TotalPrice),
            ["blocklisted"] = message.Blocklisted,
            ["blocklistedReason"] = message.BlocklistedReason,
            ["options"] = Parse(message.OptionsJson),
            ["callback"] = Parse(message.CallbackJson),
            ["createdAt"] = message.CreatedAt,
            ["updatedAt"] = recipient?.UpdatedAt ?? message.UpdatedAt,
            ["sentAt"] = recipient?.SentAt ?? message.SentAt,
            ["deliveredAt"] = recipient?.DeliveredAt ?? message.DeliveredAt,
            ["carrier"] = recipient?.Carrier,
            ["errorCode"] = recipient?.ErrorCode,
            ["errorDetail"] = recipient?.ErrorDetail,
        };
    }

    private static JsonNode? Parse(string? json) => string.IsNullOrEmpty(json) ? null : JsonNode.Parse(json);

    private static JsonValue? Money(string? value) =>
        decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? JsonValue.Create(d)
            : null;
}
