using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SmsFunctions.App.Api.OpenApi;

/// <summary>The OpenAPI document (<c>/api/openapi/v1.json</c>): bearer security and the seed request examples.</summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string RoutePattern = "/api/openapi/{documentName}.json";

    private static readonly HashSet<string> JsonBodyEndpoints =
        ["SendMessage", "UpdateMessage", "CreateAccount", "TopUpAccount", "CreateToken", "AddForbiddenTerm"];

    public static IServiceCollection AddSmsOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "SmsFunctions API";
                document.Info.Description = "Send SMS, follow their delivery, and manage tokens. Authenticate with 'Authorization: Bearer <token>'.";
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
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
                var examples = name switch
                {
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
        });
        return services;
    }
}
