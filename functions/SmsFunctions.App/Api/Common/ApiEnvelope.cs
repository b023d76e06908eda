namespace SmsFunctions.App.Api.Common;

/// <summary>The seed-003 success envelope: <c>{data, success, message, credit, error}</c>; <c>credit</c> is the remaining credit as a string.</summary>
public sealed record ApiEnvelope<T>(T Data, bool Success, string Message, string? Credit, object? Error = null);

public static class ApiEnvelope
{
    public static ApiEnvelope<T> Ok<T>(T data, string message, decimal? credit)
        => new(data, true, message, credit is { } c ? Storage.Tables.TableValues.Money(c) : null);
}
