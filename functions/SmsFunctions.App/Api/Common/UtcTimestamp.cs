using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The one date format of answers and webhooks, as the "SMS Worldwide" document writes it: UTC, <c>Z</c>, milliseconds
/// (<c>2026-01-28T11:21:20.127Z</c>). Reading stays liberal (any ISO 8601 offset).
/// </summary>
public static class UtcTimestamp
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static string? ToText(DateTimeOffset? value) => value is { } v ? ToText(v) : null;

    /// <summary>Adds the converters to <paramref name="options"/> (the API's and the webhooks' serializer options).</summary>
    public static JsonSerializerOptions Use(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new OffsetConverter());
        options.Converters.Add(new DateTimeConverter());
        return options;
    }

    private sealed class OffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
            => writer.WriteStringValue(ToText(value));
    }

    private sealed class DateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
            => writer.WriteStringValue(ToText(new DateTimeOffset(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value)));
    }
}
