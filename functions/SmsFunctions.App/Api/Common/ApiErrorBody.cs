using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The schema of every error body as <see cref="EnvelopeProblemWriter"/> writes it, for the OpenAPI documents: the RFC 9457
/// problem (<c>type, title, status, detail, code, errors</c>, often <c>field</c>) and the seed-003 envelope (<c>data</c>
/// null, <c>success</c> false, <c>message</c>, <c>credit</c>, <c>error</c> the code's number). Some codes add members of
/// their own (<c>required</c> and <c>shortfall</c> on INSUFFICIENT_CREDIT, <c>invalidRecipients</c>, <c>maxBytes</c> …).
/// </summary>
public sealed record ApiErrorBody(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Code,
    IReadOnlyList<ProblemError> Errors,
    object? Data,
    bool Success,
    string Message,
    string? Credit,
    int Error)
{
    public string? Field { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? More { get; init; }
}

public static class ApiErrorBodyExtensions
{
    /// <summary>Declares the error answers of an endpoint (problem and envelope, <c>application/problem+json</c>).</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in statuses.Append(StatusCodes.Status401Unauthorized).Append(StatusCodes.Status429TooManyRequests).Distinct())
        {
            builder.Produces<ApiErrorBody>(status, "application/problem+json");
        }

        return builder;
    }
}
