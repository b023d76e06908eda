using System.Security.Claims;
using SmsFunctions.App.Api;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Callbacks;

/// <summary><c>GET /api/messages/{id}/callbacks</c>: every webhook attempt of a message (time, status, latency, outcome).</summary>
public static class CallbackAttemptsApi
{
    public static IEndpointRouteBuilder MapCallbackAttemptsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/messages/{id}/callbacks", ListAttempts)
            .RequireAuthorization(SmsPolicies.Read)
            .AddEndpointFilter<TokenRateLimitFilter>()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(4096))
            .WithTags("Messages")
            .WithName("ListCallbackAttempts")
            .WithSummary("Webhook delivery attempts of a message, oldest first");
        return endpoints;
    }

    public static async Task<IResult> ListAttempts(string id, ClaimsPrincipal user, MessageStore messages, CallbackAttemptStore attempts, CancellationToken cancellationToken)
    {
        // Another account's message is a 404, exactly like a message that does not exist.
        if (user.AccountIdOf() is not { } accountId || await messages.GetAsync(accountId, id, cancellationToken) is null)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.MessageNotFound, "No such message.", $"There is no message {id} on this account.");
        }

        var list = await attempts.ListAsync(accountId, id, cancellationToken: cancellationToken);
        var data = list.Select(CallbackAttemptView.OfMessage).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(data, data.Count == 1 ? "1 Result" : $"{data.Count} Results", null));
    }
}
