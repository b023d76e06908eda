using System.Globalization;
using System.Security.Claims;
using SmsFunctions.App.Api;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Callbacks;
using SmsFunctions.Carriers;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Storage.Inbound;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Inbound;

/// <summary>
/// The inbound log (<c>GET /api/inbound</c>, one message, its webhook attempts), the sandbox's MO injection
/// (<c>POST /api/sandbox/inbound</c>) and the admin's view of unroutable messages.
/// </summary>
public static class InboundApi
{
    public const int MaxSandboxText = 1600;

    public static IEndpointRouteBuilder MapInboundApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/inbound").WithTags("Inbound");
        group.MapGet("/", ListInbound).RequireAuthorization(SmsPolicies.InboundRead).WithName("ListInbound")
            .WithSummary("Inbound messages, newest first (from, to, since, until, pageSize, continuationToken)");
        group.MapGet("/{id}", GetInbound).RequireAuthorization(SmsPolicies.InboundRead).WithName("GetInbound");
        group.MapGet("/{id}/callbacks", ListInboundAttempts).RequireAuthorization(SmsPolicies.InboundRead).WithName("ListInboundCallbackAttempts")
            .WithSummary("Webhook delivery attempts of an inbound message");
        endpoints.MapPost("/sandbox/inbound", InjectSandboxInbound).RequireAuthorization(SmsPolicies.SandboxInbound).WithTags("Inbound")
            .WithName("InjectSandboxInbound").WithSummary("Inject an MO as if a handset sent it (admin, or a token of the number's account)")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(422);
        endpoints.MapGet("/admin/inbound/unroutable", ListUnroutable).RequireAuthorization(SmsPolicies.Admin).WithTags("Inbound")
            .WithName("ListUnroutableInbound").WithSummary("Inbound messages to numbers nobody owns (admin)");
        return endpoints;
    }

    public static Task<IResult> ListInbound(
        ClaimsPrincipal user, InboundMessageStore store, string? from, string? to, string? since, string? until,
        string? pageSize, string? continuationToken, CancellationToken cancellationToken)
        => ListAsync(user.AccountIdOf()!, false, store, from, to, since, until, pageSize, continuationToken, cancellationToken);

    public static Task<IResult> ListUnroutable(
        InboundMessageStore store, string? from, string? to, string? since, string? until,
        string? pageSize, string? continuationToken, CancellationToken cancellationToken)
        => ListAsync(InboundMessageStore.Unroutable, true, store, from, to, since, until, pageSize, continuationToken, cancellationToken);

    public static async Task<IResult> GetInbound(string id, ClaimsPrincipal user, InboundMessageStore store, CancellationToken cancellationToken)
    {
        var message = await store.GetAsync(user.AccountIdOf()!, id, cancellationToken);
        return message is null ? NotFound(id) : TypedResults.Ok(ApiEnvelope.Ok(InboundMessageView.Of(message), "1 Result", null));
    }

    public static async Task<IResult> ListInboundAttempts(string id, ClaimsPrincipal user, InboundMessageStore store, CallbackAttemptStore attempts, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        if (await store.GetAsync(accountId, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var list = await attempts.ListAsync(accountId, id, cancellationToken: cancellationToken);
        var data = list.Select(SmsFunctions.App.Callbacks.CallbackAttemptView.OfInbound).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(data, Results(data.Count), null));
    }

    public static async Task<IResult> InjectSandboxInbound(
        HttpRequest request, ClaimsPrincipal user, InboundService inbound, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new RequestFields();
        string? from, to, text, id;
        using (document)
        {
            var root = document!.RootElement;
            from = fields.Text(root, string.Empty, "from");
            to = fields.Text(root, string.Empty, "to");
            text = fields.Text(root, string.Empty, "text");
            id = fields.Text(root, string.Empty, "id");
        }

        if (!fields.HasShapeErrors)
        {
            if (string.IsNullOrWhiteSpace(from))
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "from", "Give the handset's number in 'from'.");
            }
            else if (InboundNumbers.NormalizeFrom(from) is var sender && (!InboundNumbers.IsKeySafe(sender) || !sender.StartsWith('+')))
            {
                fields.Invalid(SmsFunctions.Core.Messages.ErrorCodes.InvalidNumber, "from", "'from' must be an international number such as +393471234567.");
            }

            if (string.IsNullOrWhiteSpace(to))
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "to", "Give the number the message is sent to in 'to'.");
            }
            else if (InboundNumbers.NormalizeOwned(to) is null)
            {
                fields.Invalid(ApiErrorCodes.InvalidInboundNumber, "to", "'to' must be an international number or a short code of 3 to 8 digits.");
            }

            if (text is null)
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "text", "Give the message's 'text' (it may be empty).");
            }
            else if (text.Length > MaxSandboxText)
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "text", $"'text' can be at most {MaxSandboxText} characters.");
            }

            if (id is { Length: > 128 } || (id is not null && id.Any(char.IsControl)))
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "id", "'id' must be at most 128 printable characters.");
            }
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        var number = InboundNumbers.NormalizeOwned(to)!;
        if (!user.IsAdmin() && (await numbers.GetAsync(number, cancellationToken))?.AccountId != user.AccountIdOf())
        {
            return ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.NumberNotOwned, "The number is not this account's.",
                $"{number} is not one of this account's inbound numbers; only an administrator can inject messages to other numbers.",
                new Dictionary<string, object?> { ["field"] = "to" });
        }

        var sandboxId = string.IsNullOrEmpty(id) ? null : (user.IsAdmin() ? "admin" : user.AccountIdOf()) + ":" + id;
        var message = await inbound.ReceiveAsync(new InboundSms(from!, number, text!, Encoding(text!), "Sandbox", sandboxId), cancellationToken);
        var view = InboundMessageView.Of(message, withAccount: user.IsAdmin());
        return TypedResults.Created($"/api/inbound/{message.Id}", ApiEnvelope.Ok(view,
            message.AccountId == InboundMessageStore.Unroutable ? "Inbound message kept as unroutable: no account owns the number" : "Inbound message received", null));
    }

    private static async Task<IResult> ListAsync(
        string accountId, bool admin, InboundMessageStore store, string? from, string? to, string? since, string? until,
        string? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var size = 20;
        if (!string.IsNullOrEmpty(pageSize)
            && !(int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) && size is >= 1 and <= InboundMessageStore.MaxPageSize))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidPageSize, "pageSize", $"'pageSize' must be a whole number from 1 to {InboundMessageStore.MaxPageSize}."));
        }

        var sinceAt = MessagesApi.ParseDate(since, "since", errors);
        var untilAt = MessagesApi.ParseDate(until, "until", errors);
        var fromNumber = Number(from, "from", errors, InboundNumbers.NormalizeFrom);
        var toNumber = Number(to, "to", errors, InboundNumbers.NormalizeTo);
        if (!ContinuationTokens.TryDecode(continuationToken, out var azureToken))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidContinuationToken, "continuationToken", "The continuation token is not one this API returned."));
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest, errors);
        }

        var page = await store.ListAsync(accountId, new InboundQuery(fromNumber, toNumber, sinceAt, untilAt), size, azureToken, cancellationToken);
        var data = page.Items.Select(m => InboundMessageView.Of(m, admin)).ToList();
        return TypedResults.Ok(new PagedEnvelope<InboundMessageView>(data, true, Results(data.Count), null, null, ContinuationTokens.Encode(page.ContinuationToken)));
    }

    private static string? Number(string? value, string field, List<FieldError> errors, Func<string, string> normalize)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        // An unencoded '+' in a query arrives as a space.
        var number = normalize(value.StartsWith(' ') ? "+" + value.Trim() : value);
        if (number.Length > 32 || number.Any(char.IsControl))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidValue, field, $"'{field}' is not a number."));
            return null;
        }

        return number;
    }

    private static string Encoding(string text) => SmsFunctions.Core.Encoding.SegmentCounter.Count(text).Encoding.ToApiName();

    private static string Results(int count) => count == 1 ? "1 Result" : string.Create(CultureInfo.InvariantCulture, $"{count} Results");

    private static IResult NotFound(string id) => ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.InboundNotFound,
        "No such inbound message.", $"There is no inbound message '{(id.Length <= 40 ? id : id[..40])}' in this account.", new Dictionary<string, object?> { ["field"] = "id" });
}
