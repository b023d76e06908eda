using System.Security.Claims;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.Storage.Idempotency;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Api.Worldwide;

/// <summary>
/// The "SMS Worldwide" contract (seed 002) on <c>/api/WW-messages</c>: the document's request, the bare message object
/// in answers, a minimum credit of <see cref="PricingOptions.WorldwideMinimumCreditPerPart"/> × <c>messageCount</c>
/// before a send. Same store, pipeline and tokens as <c>/api/messages</c>: a message sent on either is read on both.
/// </summary>
public static class WorldwideMessagesApi
{
    public const string Prefix = "/WW-messages";

    public static IEndpointRouteBuilder MapWorldwideMessagesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix).WithTags("SMS Worldwide (seed 002)").WithGroupName(OpenApi.OpenApiSetup.WorldwideDocument);
        group.MapPost("/", SendMessage).RequireAuthorization(SmsPolicies.Send).WithName("WorldwideSendMessage")
            .WithSummary("Send an SMS; answers the accepted message object")
            .Produces<MessageView>(StatusCodes.Status201Created)
            .Produces<MessageView>(StatusCodes.Status200OK)
            .ProducesErrors(400, 402, 403, 409, 413, 415, 422);
        group.MapGet("/", ListMessages).RequireAuthorization(SmsPolicies.Read).WithName("WorldwideListMessages")
            .WithSummary("The account's messages, newest first; the next page's token in the Continuation-Token header")
            .Produces<IReadOnlyList<MessageView>>(StatusCodes.Status200OK).ProducesErrors(400, 403);
        group.MapGet("/{id}", GetMessage).RequireAuthorization(SmsPolicies.Read).WithName("WorldwideGetMessage")
            .WithSummary("One message").Produces<MessageView>(StatusCodes.Status200OK).ProducesErrors(403, 404);
        return endpoints;
    }

    public static Task<IResult> SendMessage(
        HttpContext context, ClaimsPrincipal user, MessageService service, IdempotencyStore idempotency, IOptions<ApiOptions> options,
        IOptions<PricingOptions> pricing, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
        => MessagesApi.SubmitAsync(context, user, service, idempotency, options.Value, json.Value.SerializerOptions, Bare, "ww:",
            pricing.Value.WorldwideMinimumCreditPerPart, cancellationToken);

    public static async Task<IResult> ListMessages(
        HttpContext context, ClaimsPrincipal user, MessageStore messages, string? state, string? from, string? to, string? pageSize,
        string? continuationToken, CancellationToken cancellationToken)
    {
        var (page, problem) = await MessagesApi.ReadPageAsync(user, messages, state, from, to, pageSize, continuationToken, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (page!.ContinuationToken is { } next)
        {
            context.Response.Headers["Continuation-Token"] = next;
        }

        return TypedResults.Ok(page.Items.Select(WorldwideMessageView.From).ToList());
    }

    public static async Task<IResult> GetMessage(
        string id, ClaimsPrincipal user, MessageStore messages, RecipientStore recipients, CancellationToken cancellationToken)
    {
        var view = await MessagesApi.ReadMessageAsync(user.AccountIdOf()!, id, messages, recipients, cancellationToken);
        return view is null ? MessagesApi.NotFound(id) : TypedResults.Ok(WorldwideMessageView.From(view));
    }

    /// <summary>Seed 002 answers the message object itself, at its own address.</summary>
    private static ApiOutcome Bare(ApiOutcome outcome)
        => outcome is { IsSuccess: true, Envelope: ApiEnvelope<MessageView> envelope }
            ? ApiOutcome.Success(outcome.Status, WorldwideMessageView.From(envelope.Data),
                outcome.Location is null ? null : "/api" + Prefix + "/" + envelope.Data.Id)
            : outcome;
}
