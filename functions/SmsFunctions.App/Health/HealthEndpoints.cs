using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Authentication;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Health;

public static class HealthEndpoints
{
    public static IServiceCollection AddSmsHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<TableStorageHealthCheck>("tables", tags: ["storage"])
            .AddCheck<QueueTransportHealthCheck>("queues", tags: ["queues"]);
        return services;
    }

    /// <summary><c>GET /api/health</c>: the overall status, 503 when a dependency is down. Anonymous callers get only
    /// <c>{"status"}</c>; a caller with the admin key also gets one entry per dependency (addresses, errors) and
    /// <c>deadLetters</c>: per queue and source, how many messages were given up on (null when a source cannot tell);
    /// they do not change the status.</summary>
    public static IEndpointRouteBuilder MapSmsHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/api/health", new HealthCheckOptions { ResponseWriter = WriteAsync })
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(4096))
            .WithTags("Health");
        return endpoints;
    }

    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        if (!await IsAdminAsync(context))
        {
            // Storage addresses and exception texts are for the operator only.
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString() }, JsonSerializerOptions.Web), context.RequestAborted);
            return;
        }

        IReadOnlyDictionary<string, IReadOnlyDictionary<string, int?>>? deadLetters = null;
        var monitor = context.RequestServices.GetService<DeadLetterMonitor>();
        if (monitor is { IsAvailable: true })
        {
            try
            {
                deadLetters = await monitor.CountAsync(context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        var body = new Dictionary<string, object?>
        {
            ["status"] = report.Status.ToString(),
            ["totalDurationMs"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            ["dependencies"] = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description ?? e.Value.Exception?.Message,
                    durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                    data = e.Value.Data,
                }),
        };
        if (deadLetters is not null)
        {
            body["deadLetters"] = deadLetters;
        }
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), context.RequestAborted);
    }

    /// <summary>The health endpoint is anonymous; an admin key, when presented, is checked here.</summary>
    private static async Task<bool> IsAdminAsync(HttpContext context)
    {
        if (!context.Request.Headers.ContainsKey("Authorization"))
        {
            return false;
        }
        var result = await context.AuthenticateAsync(SmsBearerHandler.SchemeName);
        return result.Succeeded && result.Principal.IsAdmin();
    }

    private sealed class TableStorageHealthCheck(TableServiceClient tables) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).WithCancellation(cancellationToken))
                {
                    break;
                }

                return HealthCheckResult.Healthy($"Table storage at {tables.Uri.GetLeftPart(UriPartial.Authority)}");
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException or AggregateException)
            {
                return HealthCheckResult.Unhealthy($"Table storage at {tables.Uri.GetLeftPart(UriPartial.Authority)} does not answer: {ex.Message}");
            }
        }
    }

    private sealed class QueueTransportHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var transport = configuration["Sms:Transport"] ?? "StorageQueues";
            var receiver = services.GetService<IQueueReceiver>();
            if (receiver is null)
            {
                // Service Bus: the Functions host receives; sending is checked by the first send.
                return HealthCheckResult.Healthy($"{transport} (receiving through the Functions host)");
            }

            try
            {
                var waiting = await receiver.GetApproximateCountAsync(QueueNames.DispatchNormal, cancellationToken);
                return HealthCheckResult.Healthy($"{transport}", new Dictionary<string, object> { ["dispatchNormalWaiting"] = waiting ?? -1 });
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException or AggregateException)
            {
                return HealthCheckResult.Unhealthy($"{transport} does not answer: {ex.Message}");
            }
        }
    }
}
