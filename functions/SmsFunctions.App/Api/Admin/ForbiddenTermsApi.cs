using System.Text.Json;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.ContentPolicy;

namespace SmsFunctions.App.Api.Admin;

/// <summary>The content policy's forbidden words and phrases (admin key). Matching is whole-word, case- and accent-insensitive.</summary>
public static class ForbiddenTermsApi
{
    public const int MaxTermLength = 100;

    public static IEndpointRouteBuilder MapForbiddenTermsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/forbidden-terms").WithTags("Content policy (admin)").RequireAuthorization(SmsPolicies.Admin);
        group.MapGet("/", ListTerms).WithName("ListForbiddenTerms");
        group.MapPost("/", AddTerm).WithName("AddForbiddenTerm");
        group.MapDelete("/{term}", RemoveTerm).WithName("RemoveForbiddenTerm");
        return endpoints;
    }

    public static async Task<IResult> ListTerms(ForbiddenTermStore terms, CancellationToken cancellationToken)
    {
        var list = await terms.ListAsync(cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(list, $"{list.Count} Results", null));
    }

    public static async Task<IResult> AddTerm(HttpRequest request, ForbiddenTermStore terms, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 16 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new RequestFields();
        string? term;
        using (document)
        {
            term = fields.Text(document!.RootElement, string.Empty, "term");
        }

        if (string.IsNullOrWhiteSpace(term) && !fields.HasShapeErrors)
        {
            fields.Invalid(ApiErrorCodes.FieldRequired, "term", "Give the 'term' to forbid.");
        }
        else if (term is { Length: > MaxTermLength })
        {
            fields.Invalid(ApiErrorCodes.InvalidValue, "term", $"A term can be at most {MaxTermLength} characters.");
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        var added = await terms.AddAsync(term!, cancellationToken);
        var normalized = ForbiddenTermStore.Normalize(term!);
        return added
            ? TypedResults.Created($"/api/admin/forbidden-terms/{Uri.EscapeDataString(normalized)}", ApiEnvelope.Ok(normalized, "Term added", null))
            : TypedResults.Ok(ApiEnvelope.Ok(normalized, "Term already present", null));
    }

    public static async Task<IResult> RemoveTerm(string term, ForbiddenTermStore terms, CancellationToken cancellationToken)
    {
        if (!await terms.RemoveAsync(term, cancellationToken))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.TermNotFound, "No such term.", null,
                new Dictionary<string, object?> { ["field"] = "term" });
        }

        return TypedResults.Ok(ApiEnvelope.Ok(ForbiddenTermStore.Normalize(term), "Term removed", null));
    }
}
