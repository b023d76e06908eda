using System.Text.Json.Nodes;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.Inbound;

namespace SmsFunctions.App.Inbound;

/// <summary>An inbound message as the API lists it and as its webhook carries it (<c>type</c> is always <c>inbound</c>;
/// <c>accountId</c> only for admins).</summary>
public sealed record InboundMessageView(
    string Id,
    string Type,
    string From,
    string To,
    string Text,
    string Encoding,
    int Parts,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? SentAt,
    string Carrier,
    string? InReplyTo,
    string? Keyword,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? AccountId = null)
{
    /// <summary>The view of <paramref name="message"/>; <paramref name="withAccount"/> for admins (unroutable messages).</summary>
    public static InboundMessageView Of(InboundMessageEntity message, bool withAccount = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new InboundMessageView(message.Id, "inbound", message.From, message.To, message.Text, message.Encoding, message.Parts,
            message.ReceivedAt, message.SentAt, message.Carrier, message.InReplyTo, message.Keyword, withAccount ? message.AccountId : null);
    }

    /// <summary>The webhook's message object.</summary>
    public JsonNode ToJson()
    {
        // The answers' JSON shape (dates as 2026-01-28T11:21:20.127Z), as the API lists it.
        var node = ApiJson.ToNode(this).AsObject();
        node.Remove("accountId");
        return node;
    }
}
