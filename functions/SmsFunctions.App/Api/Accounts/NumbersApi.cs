using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Inbound;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Inbound;

namespace SmsFunctions.App.Api.Accounts;

/// <summary>Admin endpoints for an account's inbound numbers (long codes, short codes); a number has one owner.</summary>
public static class NumbersApi
{
    public static IEndpointRouteBuilder MapNumbersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/accounts/{id}/numbers").WithTags("Accounts (admin)").RequireAuthorization(SmsPolicies.Admin);
        group.MapPost("/", AddNumber).WithName("AddNumber").WithSummary("Assign an inbound number to the account")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/", ListNumbers).WithName("ListNumbers").WithSummary("The account's inbound numbers");
        group.MapDelete("/{number}", RemoveNumber).WithName("RemoveNumber").WithSummary("Release an inbound number");
        return endpoints;
    }

    public static async Task<IResult> AddNumber(string id, HttpRequest request, AccountStore accounts, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        string? raw;
        var fields = new RequestFields();
        using (document)
        {
            raw = fields.Text(document!.RootElement, string.Empty, "number");
        }

        if (fields.HasShapeErrors)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            return ApiProblem.Validation(StatusCodes.Status422UnprocessableEntity, new FieldError(ApiErrorCodes.FieldRequired, "number", "Give the 'number' to assign."));
        }

        if (InboundNumbers.NormalizeOwned(raw) is not { } number)
        {
            return InvalidNumber();
        }

        if (await accounts.GetAsync(id, cancellationToken) is null)
        {
            return AccountNotFound(id);
        }

        var owner = await numbers.ClaimAsync(number, id, cancellationToken);
        if (owner.AccountId != id)
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiErrorCodes.NumberTaken, "The number belongs to another account.",
                $"{number} is assigned to another account; release it there first.", new Dictionary<string, object?> { ["field"] = "number" });
        }

        return TypedResults.Created($"/api/accounts/{id}/numbers/{Uri.EscapeDataString(number)}", ApiEnvelope.Ok(View(owner), "Number assigned", null));
    }

    public static async Task<IResult> ListNumbers(string id, AccountStore accounts, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        if (await accounts.GetAsync(id, cancellationToken) is null)
        {
            return AccountNotFound(id);
        }

        var list = (await numbers.ListAsync(id, cancellationToken)).Select(View).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(list, list.Count == 1 ? "1 Result" : $"{list.Count} Results", null));
    }

    public static async Task<IResult> RemoveNumber(string id, string number, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        if (InboundNumbers.NormalizeOwned(PathNumber(number)) is not { } normalized)
        {
            return InvalidNumber();
        }

        if (!await numbers.ReleaseAsync(normalized, id, cancellationToken))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.NumberNotFound, "No such number.",
                $"The account '{Clip(id)}' has no number {normalized}.", new Dictionary<string, object?> { ["field"] = "number" });
        }

        return TypedResults.NoContent();
    }

    /// <summary>A number from a URL path: an unencoded '+' arrives as a space.</summary>
    public static string PathNumber(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        var raw = number.Trim();
        return number.StartsWith(' ') && !raw.StartsWith('+') ? "+" + raw : raw;
    }

    public static NumberView View(InboundNumberEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new NumberView(entity.RowKey, entity.AccountId, entity.CreatedAt);
    }

    internal static IResult InvalidNumber() => ApiProblem.Validation(StatusCodes.Status422UnprocessableEntity,
        new FieldError(ApiErrorCodes.InvalidInboundNumber, "number", "An inbound number is an international number (+393330001000) or a short code of 3 to 8 digits."));

    private static IResult AccountNotFound(string id) => ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.AccountNotFound,
        "No such account.", $"There is no account '{Clip(id)}'.", new Dictionary<string, object?> { ["field"] = "id" });

    private static string Clip(string id) => id.Length <= 40 ? id : id[..40];
}

public sealed record NumberView(string Number, string AccountId, DateTimeOffset CreatedAt);
