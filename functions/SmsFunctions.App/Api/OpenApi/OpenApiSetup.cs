using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SmsFunctions.App.Api.OpenApi;

/// <summary>
/// The OpenAPI documents, one per contract: <c>/api/openapi/v1.json</c> ("Gateway SMS 1.0.0" on <c>/api/messages</c>, plus
/// accounts, tokens and admin) and <c>/api/openapi/ww.json</c> ("SMS Worldwide" on <c>/api/WW-messages</c>); bearer
/// security, the seed request examples, the error schema (problem and envelope, with the error numbers) and the
/// delivery-report webhook (<see cref="MessageWebhookDocument"/>).
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string WorldwideDocument = "ww";
    public const string RoutePattern = "/api/openapi/{documentName}.json";

    private static readonly HashSet<string> JsonBodyEndpoints =
        ["SendMessage", "UpdateMessage", "CreateAccount", "TopUpAccount", "CreateToken", "AddForbiddenTerm", "WorldwideSendMessage"];

    public static IServiceCollection AddSmsOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options => Configure(options, "SmsFunctions API (Gateway SMS 1.0.0)",
            "Send SMS, follow their delivery, and manage tokens: the \"Gateway SMS 1.0.0\" contract, its envelope {data, success, message, credit, error}. Authenticate with 'Authorization: Bearer <token>'.",
            d => d.GroupName is null or DocumentName));
        services.AddOpenApi(WorldwideDocument, options => Configure(options, "SmsFunctions API (SMS Worldwide)",
            "The \"SMS Worldwide\" contract: POST /WW-messages answers the bare message object. Authenticate with 'Authorization: Bearer <token>'.",
            d => d.GroupName == WorldwideDocument));
        return services;
    }

    /// <summary>The error numbers, for the documents' descriptions (the same table as the README's).</summary>
    private static string ErrorTable()
        => "\n\nEvery error is a problem (application/problem+json) and the envelope: data null, success false, message the detail, "
           + "credit when the caller is known, error the number of its code:\n\n| error | code |\n|---|---|\n"
           + string.Concat(Common.ApiErrorNumbers.Table.OrderBy(p => p.Value).Select(p => $"| {p.Value} | {p.Key} |\n"));

    private static void Configure(OpenApiOptions options, string title, string description, Func<Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription, bool> include)
    {
        {
            options.ShouldInclude = include;

            // Some error codes add members of their own (required, shortfall, invalidRecipients …): the error schema says so.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(Common.ApiErrorBody))
                {
                    schema.AdditionalProperties = new OpenApiSchema();
                }

                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description + ErrorTable();
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearerAuth"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An account token (smsk_…) or, for admin endpoints, the admin key.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearerAuth", document)] = [] });
                MessageWebhookDocument.AddTo(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
                var examples = name switch
                {
                    "WorldwideSendMessage" => new Dictionary<string, string> { ["seed002"] = SeedExamples.Seed002 },
                    "SendMessage" => new Dictionary<string, string>
                    {
                        ["seed002"] = SeedExamples.Seed002,
                        ["seed003"] = SeedExamples.Seed003,
                        ["personalised"] = SeedExamples.Personalised,
                    },
                    "UpdateMessage" => new Dictionary<string, string> { ["addRecipientsAndClose"] = SeedExamples.PutAddRecipients },
                    _ => null,
                };
                // Bodies are read by hand (so that wrong types get field-level problems), hence described here.
                if (name is not null && JsonBodyEndpoints.Contains(name))
                {
                    var media = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } };
                    if (examples is not null)
                    {
                        media.Examples = new Dictionary<string, IOpenApiExample>();
                        foreach (var (key, json) in examples)
                        {
                            media.Examples[key] = new OpenApiExample { Summary = key, Value = SeedExamples.Parse(json) };
                        }
                    }

                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = media },
                    };
                }

                return Task.CompletedTask;
            });
        }
    }
}
