using Microsoft.AspNetCore.Mvc;
using Scalar.AspNetCore;
using SmsFunctions.App.Api.Accounts;
using SmsFunctions.App.Api.Admin;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Api.OpenApi;
using SmsFunctions.App.Api.Tokens;
using SmsFunctions.App.Api.Worldwide;
using SmsFunctions.App.Inbound;
using SmsFunctions.Storage;

namespace SmsFunctions.App.Api;

/// <summary>Registration of the customer-facing HTTP API (accounts, tokens, messages).</summary>
public static class ApiExtensions
{
    public static IServiceCollection AddSmsApi(this IServiceCollection services, IConfiguration configuration)
    {
        // Storage: tables, repositories, and the (replaceable) accepted-message notifier.
        services.AddSmsStorage(configuration);

        // Options, with defaults in code, validated on start.
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Authentication (bearer token or admin key), scopes as policies, per-token rate limits.
        services.AddAuthentication(SmsBearerHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SmsBearerHandler>(SmsBearerHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddSmsPolicies();
        services.AddSingleton<TokenRateLimiter>();
        services.AddClientAddressLimits();

        // Use cases.
        services.AddSingleton<ContentPolicyProvider>();
        services.AddSingleton<PriceListProvider>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<BulkSendSlots>();
        services.AddSingleton<MessageEditor>();
        services.AddSingleton<MessageCanceller>();

        // One JSON shape in every answer and webhook: UTC dates with Z and milliseconds, numbers as numbers.
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));

        // Every error body is a problem and the seed-003 envelope at once: this writer goes before the default one.
        services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, EnvelopeProblemWriter>());

        services.AddSmsOpenApi();
        return services;
    }

    public static IEndpointRouteBuilder MapSmsApi(this IEndpointRouteBuilder endpoints)
    {
        var maxBody = endpoints.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        var api = endpoints.MapGroup("/api")
            .AddEndpointFilter<TokenRateLimitFilter>()
            .WithMetadata(new RequestSizeLimitAttribute(maxBody));
        api.MapMessagesApi();
        api.MapWorldwideMessagesApi();
        api.MapAccountsApi();
        api.MapTokensApi();
        api.MapForbiddenTermsApi();
        api.MapDeadLettersApi();
        api.MapAccountSelfApi();
        api.MapNumbersApi();
        api.MapInboundEndpoints();

        // Reference: the OpenAPI document and an interactive page over it.
        endpoints.MapOpenApi(OpenApiSetup.RoutePattern).AllowAnonymous();
        endpoints.MapScalarApiReference("/api/docs", options => options
            .WithTitle("SmsFunctions API")
            .WithOpenApiRoutePattern(OpenApiSetup.RoutePattern)).AllowAnonymous();
        return endpoints;
    }
}
