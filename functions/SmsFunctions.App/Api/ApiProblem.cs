using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.App.Api;

/// <summary>RFC 9457 problem details with the stable machine-readable <c>code</c> every error carries; written, with the
/// seed-003 envelope, by <see cref="Common.EnvelopeProblemWriter"/>.</summary>
public static class ApiProblem
{
    public static IResult Create(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeFor(code), extensions: ext);
    }

    /// <summary>The problem <c>type</c> URI of a code.</summary>
    public static string TypeFor(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return $"https://smsfunctions.dev/problems/{code.ToLowerInvariant().Replace('_', '-')}";
    }

    /// <summary>
    /// A validation failure listing every problem in <c>errors</c> (<c>[{code, field, detail}]</c>). The top-level
    /// <c>code</c> and <c>field</c> are those of the only error, or <c>VALIDATION_FAILED</c> and the first field when there are several.
    /// </summary>
    public static IResult Validation(int status, IReadOnlyList<FieldError> errors, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var code = errors.Count == 1 ? errors[0].Code : ApiErrorCodes.ValidationFailed;
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>())
        {
            ["field"] = errors.Count > 0 ? errors[0].Field : null,
            ["errors"] = errors,
        };
        var title = errors.Count == 1 ? "The request is not valid." : $"The request has {errors.Count} problems.";
        return Create(status, code, title, errors.Count > 0 ? errors[0].Detail : null, ext);
    }

    public static IResult Validation(int status, FieldError error, IDictionary<string, object?>? extensions = null)
        => Validation(status, [error], extensions);

    public static FieldError ToFieldError(this DomainError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new FieldError(error.Code, error.Field, error.Detail);
    }
}
