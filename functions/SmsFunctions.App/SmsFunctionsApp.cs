using Microsoft.AspNetCore.Diagnostics;
using SmsFunctions.App.Api;
using SmsFunctions.App.Health;
using SmsFunctions.App.Hosting;
using SmsFunctions.App.Inbound;
using SmsFunctions.App.Pipeline;
using SmsFunctions.App.Telemetry;
using SmsFunctions.Storage;

namespace SmsFunctions.App;

/// <summary>How the app is composed; <c>Program</c> and the test fixtures both build it from here.</summary>
public static class SmsFunctionsApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    public static WebApplicationBuilder CreateBuilder(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Where to listen: the Functions host's port, else --urls / ASPNETCORE_URLS, else the Functions default.
        if (HostMode.CustomHandlerPort is { } port)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else
        {
            builder.Configuration.AddLocalSettings();
            if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
            {
                builder.WebHost.UseUrls(DefaultUrl);
            }
        }

        configure?.Invoke(builder);

        // Services: telemetry, problem details, storage, then each feature.
        builder.AddSmsTelemetry();
        builder.Services.AddKeyVaultReferenceCheck(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddTableStorage(builder.Configuration);
        builder.Services.AddSmsHealthChecks();
        builder.Services.AddSmsApi(builder.Configuration);
        builder.Services.AddSmsPipeline(builder.Configuration);
        builder.Services.AddSmsInbound();
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();

        // Never a stack trace: unhandled errors become a 500 problem with a stable code.
        app.UseExceptionHandler(errors => errors.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, code, title) = error switch
            {
                BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? SmsFunctions.App.Api.Common.ApiErrorCodes.PayloadTooLarge : SmsFunctions.App.Api.Common.ApiErrorCodes.BadRequest, "The request could not be read."),
                // Storage did not answer in time: nothing was lost, and a retry with the same Idempotency-Key finishes the request.
                _ when error is not null && SmsFunctions.Storage.Accounts.CreditLedger.IsTransient(error)
                    || error is TimeoutException or SmsFunctions.Storage.Accounts.LedgerUnavailableException
                    => (StatusCodes.Status503ServiceUnavailable, SmsFunctions.App.Api.Common.ApiErrorCodes.StorageUnavailable, "Storage did not answer in time; retry the request with the same Idempotency-Key."),
                _ => (StatusCodes.Status500InternalServerError, SmsFunctions.App.Api.Common.ApiErrorCodes.InternalError, "Something went wrong on our side."),
            };
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await ApiProblem.Create(status, code, title, detail: status < 500 ? error?.Message : null).ExecuteAsync(context);
        }));

        // An error with no body of its own (an unmatched route, a wrong method) gets the same problem-and-envelope body.
        app.UseStatusCodePages();
        // Per client address before authentication (an unknown token costs a storage read), then who is calling.
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapSmsHealth();
        app.MapSmsApi();
        app.MapSmsPipeline();
        app.MapKannelInbound();
        return app;
    }
}
