using System.Globalization;
using System.Text.Json;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// Typed access to the properties of a JSON object that records every problem instead of throwing: a wrong JSON type
/// or an unknown enum value is a shape error (400), a value of the right type that is not acceptable is a
/// validation error (422).
/// </summary>
public sealed class RequestFields
{
    private const int MaxErrors = 50;

    public List<FieldError> Errors { get; } = [];

    public bool HasShapeErrors { get; private set; }

    public int Status => HasShapeErrors ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;

    public void Shape(string code, string field, string detail)
    {
        HasShapeErrors = true;
        Add(new FieldError(code, field, detail));
    }

    public void WrongType(string field, string expected, JsonElement actual)
        => Shape(ApiErrorCodes.WrongType, field, $"'{field}' must be {expected}, not {JsonBody.Describe(actual.ValueKind)}.");

    public void Invalid(string code, string field, string detail) => Add(new FieldError(code, field, detail));

    public void Add(FieldError error)
    {
        if (Errors.Count < MaxErrors)
        {
            Errors.Add(error);
        }
    }

    /// <summary>
    /// The first of <paramref name="names"/> present (and not null) on <paramref name="obj"/>: an exact match first,
    /// then one that differs only in case (seed-003 clients send <c>Sender</c>, <c>Corpo</c>, <c>Timestamp_Send</c>).
    /// </summary>
    public static (string Name, JsonElement Value)? Find(JsonElement obj, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return (name, value);
            }
        }

        foreach (var property in obj.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            foreach (var name in names)
            {
                if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return (name, property.Value);
                }
            }
        }

        return null;
    }

    public string? Text(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        if (found.Value.ValueKind != JsonValueKind.String)
        {
            WrongType(Path(path, found.Name), "a string", found.Value);
            return null;
        }

        return found.Value.GetString();
    }

    public bool? Flag(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        if (found.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return found.Value.GetBoolean();
        }

        WrongType(Path(path, found.Name), "true or false", found.Value);
        return null;
    }

    public decimal? Number(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        if (found.Value.ValueKind == JsonValueKind.Number && found.Value.TryGetDecimal(out var value))
        {
            return value;
        }

        if (found.Value.ValueKind == JsonValueKind.Number)
        {
            Invalid(ApiErrorCodes.InvalidValue, Path(path, found.Name), $"'{Path(path, found.Name)}' is out of range.");
            return null;
        }

        WrongType(Path(path, found.Name), "a number", found.Value);
        return null;
    }

    public long? WholeNumber(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        if (found.Value.ValueKind == JsonValueKind.Number && found.Value.TryGetInt64(out var value))
        {
            return value;
        }

        if (found.Value.ValueKind == JsonValueKind.Number)
        {
            Invalid(ApiErrorCodes.InvalidValue, Path(path, found.Name), $"'{Path(path, found.Name)}' must be a whole number in range.");
            return null;
        }

        WrongType(Path(path, found.Name), "a whole number", found.Value);
        return null;
    }

    public JsonElement? Child(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        if (found.Value.ValueKind != JsonValueKind.Object)
        {
            WrongType(Path(path, found.Name), "an object", found.Value);
            return null;
        }

        return found.Value;
    }

    /// <summary>An ISO 8601 date-time (a missing offset means UTC), or Unix seconds as a number or a string of digits (seed 003's <c>timestamp_send</c>).</summary>
    public DateTimeOffset? Date(JsonElement obj, string path, params ReadOnlySpan<string> names)
    {
        if (Find(obj, names) is not { } found)
        {
            return null;
        }

        var field = Path(path, found.Name);
        if (found.Value.ValueKind == JsonValueKind.Number)
        {
            if (found.Value.TryGetInt64(out var seconds) && FromUnixSeconds(seconds) is { } unix)
            {
                return unix;
            }

            Invalid(ApiErrorCodes.InvalidDate, field, $"'{field}' as a number is Unix seconds, a whole number from 0 to {MaxUnixSeconds}.");
            return null;
        }

        if (found.Value.ValueKind != JsonValueKind.String)
        {
            WrongType(field, "a date-time string such as 2026-01-28T11:21:20Z", found.Value);
            return null;
        }

        var text = found.Value.GetString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var digits) && FromUnixSeconds(digits) is { } fromDigits)
        {
            return fromDigits;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            return at.ToUniversalTime();
        }

        Invalid(ApiErrorCodes.InvalidDate, field, $"'{field}' is not a date-time; use ISO 8601, e.g. 2026-01-28T11:21:20Z.");
        return null;
    }

    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    private static DateTimeOffset? FromUnixSeconds(long seconds)
        => seconds is >= 0 and <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    public static string Path(string parent, string name) => string.IsNullOrEmpty(parent) ? name : parent + "." + name;
}
