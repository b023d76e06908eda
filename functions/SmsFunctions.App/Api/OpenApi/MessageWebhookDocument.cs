using Microsoft.OpenApi;

namespace SmsFunctions.App.Api.OpenApi;

/// <summary>
/// The delivery-report webhook in the OpenAPI documents (<c>webhooks.messageStatus</c>): a POST of the message object
/// as one recipient sees it, the same <c>MessageView</c> schema the API answers with (its recipient members included),
/// under the callback's <c>field</c>, with the callback's <c>custom</c> beside it.
/// </summary>
internal static class MessageWebhookDocument
{
    public const string Name = "messageStatus";
    public const string MessageSchema = "MessageView";

    public static void AddTo(OpenApiDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Components?.Schemas?.ContainsKey(MessageSchema) != true)
        {
            return; // A document without message answers has no message webhook to describe.
        }

        var message = new OpenApiSchemaReference(MessageSchema, document);
        var json = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "`data` is the callback's `field` (default `data`).",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["data"] = message,
                ["custom"] = new OpenApiSchema { Description = "The callback's `custom`, as given." },
            },
            Required = new HashSet<string> { "data" },
        };
        var form = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["data"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The message object (MessageView) as JSON." },
                ["custom"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The callback's `custom` as JSON." },
            },
        };
        var operation = new OpenApiOperation
        {
            OperationId = Name,
            Summary = "A recipient reached a final state",
            Description = "Posted to `callback.url` on every final state of a recipient (DELIVERED, UNDELIVERED, FAILED, EXPIRED, REJECTED, CANCELED): "
                + "the message object that GET /messages/{id} answers, with the recipient's own state, recipient (its number), countryCode, message (its "
                + "rendered body), messageCount (its parts), price, updatedAt, sentAt and deliveredAt, and its carrier, errorCode, errorDetail, "
                + "outcomeUnknown, refund and refundedAt. Signed with X-Sms-Signature; a 2xx answer ends it, 410 Gone stops the retries.",
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = json },
                    ["application/x-www-form-urlencoded"] = new() { Schema = form },
                },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Received (any 2xx)." },
                ["410"] = new OpenApiResponse { Description = "Gone: no more attempts." },
            },
        };
        var item = new OpenApiPathItem();
        item.AddOperation(HttpMethod.Post, operation);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks[Name] = item;
    }
}
