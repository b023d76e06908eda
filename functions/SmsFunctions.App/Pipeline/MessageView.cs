using System.Text.Json.Nodes;
using SmsFunctions.App.Api.Common;
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
        // What the recipient was sent: the same renderer as dispatch (fields, then smart encoding when asked).
        var template = BodyTemplate.Parse(message.Body);
        var fields = template.HasPlaceholders ? RecipientBody.FieldsFromJson(recipient?.FieldsJson) : null;
        var body = RecipientBody.TryRender(template, fields, message.SmartEncoding, out var rendered, out _, out _) ? rendered : message.Body;

        var view = new JsonObject
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
            ["callback"] = RedactHeaders(Parse(message.CallbackJson)),
            ["createdAt"] = UtcTimestamp.ToText(message.CreatedAt),
            ["updatedAt"] = UtcTimestamp.ToText(recipient?.UpdatedAt ?? message.UpdatedAt),
            ["sentAt"] = UtcTimestamp.ToText(recipient?.SentAt ?? message.SentAt),
            ["deliveredAt"] = UtcTimestamp.ToText(recipient?.DeliveredAt ?? message.DeliveredAt),
            ["carrier"] = recipient?.Carrier,
            ["errorCode"] = recipient?.ErrorCode,
            ["errorDetail"] = recipient?.ErrorDetail,
        };
        if (recipient is { OutcomeUnknown: true })
        {
            // FAILED, but the carrier may have it: charged, never sent again.
            view["outcomeUnknown"] = true;
        }

        if (recipient?.Refund is { } refund)
        {
            view["refund"] = refund.ToUpperInvariant();
            view["refundedAt"] = UtcTimestamp.ToText(recipient.RefundedAt);
        }

        return view;
    }

    /// <summary>The callback's header values are the customer's secrets (see <c>CallbackHeaders</c>): names only.</summary>
    private static JsonNode? RedactHeaders(JsonNode? callback)
    {
        if (callback?["headers"] is JsonObject headers)
        {
            foreach (var name in headers.Select(h => h.Key).ToList())
            {
                headers[name] = SmsFunctions.App.Callbacks.CallbackHeaders.RedactedValue;
            }
        }

        return callback;
    }

    private static JsonNode? Parse(string? json) => string.IsNullOrEmpty(json) ? null : JsonNode.Parse(json);

    private static JsonValue? Money(string? value) =>
        decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? JsonValue.Create(d)
            : null;
}
