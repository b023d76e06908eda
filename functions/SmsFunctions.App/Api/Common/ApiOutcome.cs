namespace SmsFunctions.App.Api.Common;

/// <summary>What a use case answers: an envelope with a status, or a problem.</summary>
public sealed record ApiOutcome(int Status, object? Envelope, IResult? Problem, string? Location = null)
{
    public bool IsSuccess => Problem is null;

    public static ApiOutcome Success(int status, object envelope, string? location = null) => new(status, envelope, null, location);

    public static ApiOutcome Fail(IResult problem) => new(0, null, problem);

    public IResult ToResult()
    {
        if (Problem is not null)
        {
            return Problem;
        }

        return Location is null
            ? TypedResults.Json(Envelope, statusCode: Status)
            : new LocatedJsonResult(Envelope, Status, Location);
    }

    private sealed class LocatedJsonResult(object? value, int status, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return TypedResults.Json(value, statusCode: status).ExecuteAsync(httpContext);
        }
    }
}
