using System.Text.Json.Serialization;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The seed-003 envelope: <c>{data, success, message, credit, error}</c>; <c>credit</c> is the remaining credit as a
/// string, <c>error</c> null on success or the number of <c>code</c> (<see cref="ApiErrorNumbers"/>) when the answer
/// reports a failure that still carries data (a message blocked by the content policy).
/// </summary>
public sealed record ApiEnvelope<T>(
    T Data,
    bool Success,
    string Message,
    string? Credit,
    int? Error = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null)
{
    /// <summary>Seed 003 answers one message (or recipient) as an array of one.</summary>
    public ApiEnvelope<IReadOnlyList<T>> AsList() => new([Data], Success, Message, Credit, Error, Code);
}

public static class ApiEnvelope
{
    public static ApiEnvelope<T> Ok<T>(T data, string message, decimal? credit)
        => new(data, true, message, Money(credit));

    /// <summary>An answer that carries data but reports <paramref name="code"/> (success false, error its number).</summary>
    public static ApiEnvelope<T> Failed<T>(T data, string message, string? credit, string code, int status)
        => new(data, false, message, credit, ApiErrorNumbers.For(code, status), code);

    /// <summary>Seed-003 message texts: "1 Result", "N Results".</summary>
    public static string Results(int count)
        => count == 1 ? "1 Result" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count} Results");

    public static string? Money(decimal? amount) => amount is { } a ? Storage.Tables.TableValues.Money(a) : null;
}
