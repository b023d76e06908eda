using System.Globalization;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Api.Admin;

/// <summary>
/// Dead letters (admin key): messages the pipeline gave up on after their deliveries (<c>poison</c>, our
/// <c>{queue}-poison</c> Storage queues) and, with Service Bus, those the broker dead-lettered (<c>servicebus-dlq</c>).
/// <c>GET /api/admin/dead-letters</c> counts them per queue and source; <c>GET …/{queue}</c> lists some;
/// <c>POST …/{queue}/replay</c> sends them back to their queue with a fresh delivery count.
/// </summary>
public static class DeadLettersApi
{
    public const int MaxList = 32;
    public const int MaxReplay = 1000;

    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/dead-letters").WithTags("Dead letters (admin)").RequireAuthorization(SmsPolicies.Admin);
        group.MapGet("/", CountAll).WithName("CountDeadLetters");
        group.MapGet("/{queue}", List).WithName("ListDeadLetters");
        group.MapPost("/{queue}/replay", Replay).WithName("ReplayDeadLetters");
        return endpoints;
    }

    public static async Task<IResult> CountAll(DeadLetterMonitor monitor, CancellationToken cancellationToken)
    {
        if (!monitor.IsAvailable)
        {
            return Unavailable();
        }
        var counts = await monitor.CountAsync(cancellationToken);
        var total = counts.Values.Sum(perSource => perSource.Values.Sum(c => c ?? 0));
        return TypedResults.Ok(ApiEnvelope.Ok(counts, $"{total} dead letters", null));
    }

    public static async Task<IResult> List(string queue, string? source, string? limit, DeadLetterMonitor monitor, CancellationToken cancellationToken)
    {
        if (Check(queue, source, limit, MaxList, 10, monitor, out var max) is { } problem)
        {
            return problem;
        }
        var letters = await monitor.PeekAsync(queue, source, max, cancellationToken);
        var view = letters.Select(l => new
        {
            queue = l.QueueName,
            source = l.Source,
            id = l.Id,
            deliveryCount = l.DeliveryCount,
            reason = l.Reason,
            deadLetteredAt = l.DeadLetteredAt,
            body = l.Body,
        }).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(view, $"{view.Count} Results", null));
    }

    public static async Task<IResult> Replay(string queue, string? source, string? limit, DeadLetterMonitor monitor, CancellationToken cancellationToken)
    {
        if (Check(queue, source, limit, MaxReplay, 100, monitor, out var max) is { } problem)
        {
            return problem;
        }
        var result = await monitor.ReplayAsync(queue, source, max, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(new { queue, replayed = result.Replayed, failed = result.Failed },
            $"{result.Replayed} replayed{(result.Failed > 0 ? $", {result.Failed} left in place" : string.Empty)}", null));
    }

    private static IResult? Check(string queue, string? source, string? limit, int maxLimit, int defaultLimit, DeadLetterMonitor monitor, out int max)
    {
        max = defaultLimit;
        if (!monitor.IsAvailable)
        {
            return Unavailable();
        }
        if (!monitor.IsKnownQueue(queue))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.QueueNotFound, "No such queue.",
                $"The app drains no queue '{(queue.Length > 64 ? queue[..64] + "…" : queue)}'; known queues: {string.Join(", ", monitor.Queues)}.",
                new Dictionary<string, object?> { ["field"] = "queue" });
        }
        if (source is not null && !monitor.SourceNames.Contains(source, StringComparer.Ordinal))
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest, new FieldError(ApiErrorCodes.DeadLetterSourceNotFound, "source",
                $"'source' must be one of: {string.Join(", ", monitor.SourceNames)}."));
        }
        if (limit is not null)
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1 || max > maxLimit)
            {
                max = defaultLimit;
                return ApiProblem.Validation(StatusCodes.Status400BadRequest, new FieldError(ApiErrorCodes.InvalidValue, "limit",
                    $"'limit' must be a whole number from 1 to {maxLimit}."));
            }
        }
        return null;
    }

    private static IResult Unavailable() => ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, ApiErrorCodes.DeadLettersUnavailable,
        "Dead letters are not available.", "No dead-letter store is configured for this app's queue transport.");
}
