using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SmsFunctions.App.Api.Messages;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The one JSON shape of answers and webhooks: web naming, the one date format (<see cref="UtcTimestamp"/>), numbers as
/// numbers, and a message's recipient members written only on a recipient's view (<see cref="MessageView.OfRecipient"/>).
/// The HTTP API's options are configured with <see cref="Configure"/>; webhooks serialize with <see cref="Options"/>.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Freeze(Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        UtcTimestamp.Use(options);
        // Numbers are numbers (the web default also reads them from strings, which made every number "integer or
        // string" in the OpenAPI schemas); bodies are read by hand anyway.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RecipientMembers);
        return options;
    }

    /// <summary>A value as answers and webhooks write it.</summary>
    public static System.Text.Json.Nodes.JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options)!;

    /// <summary>A recipient member (<see cref="RecipientMemberAttribute"/>) is written, null or not, on a recipient's view and never on the message's.</summary>
    private static void RecipientMembers(JsonTypeInfo info)
    {
        if (info.Type != typeof(MessageView))
        {
            return;
        }

        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(RecipientMemberAttribute), inherit: false) == true)
            {
                property.ShouldSerialize = static (view, _) => ((MessageView)view).OfRecipient;
            }
        }
    }

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }
}
