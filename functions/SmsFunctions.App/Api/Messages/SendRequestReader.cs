using System.Globalization;
using System.Text.Json;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.App.Api.Messages;

/// <summary>
/// Reads both seed request shapes into a <see cref="SendRequest"/>: <c>recipient</c>/<c>recipients</c> as a string,
/// an array of strings, or objects <c>{number, fields}</c> (also <c>{numero, campi}</c>); <c>body</c>/<c>message</c>/<c>corpo</c>;
/// <c>test</c>/<c>dryRun</c>; <c>scheduledAt</c>/<c>timestamp_send</c> (ISO 8601 or Unix seconds). Names match in any
/// case (<see cref="RequestFields.Find"/>). Unknown properties are ignored. Every
/// problem is collected in <see cref="RequestFields"/>.
/// </summary>
public static class SendRequestReader
{
    public const int MinValidityMinutes = 1;
    public const int MaxValidityMinutes = 4320;

    /// <summary>Most characters of a callback as stored (JSON); a table property holds 32K UTF-16 characters.</summary>
    public const int MaxStoredCallbackChars = 16_000;

    /// <summary>Most characters of one recipient's template fields as stored (JSON); far more than an SMS can carry.</summary>
    public const int MaxStoredFieldsChars = 4_000;

    /// <summary>The request, or null when there are more than <paramref name="maxRecipients"/> recipient entries (a 413).</summary>
    public static SendRequest? Read(JsonElement root, RequestFields fields, int maxRecipients)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var recipients = ReadRecipients(root, fields, maxRecipients, out var tooMany);
        if (tooMany)
        {
            return null;
        }

        var options = fields.Child(root, string.Empty, "options");
        var topLevelDryRun = fields.Flag(root, string.Empty, "dryRun", "test");
        var optionDryRun = options is { } o1 ? fields.Flag(o1, "options", "dryRun", "test") : null;
        var transaction = fields.Flag(root, string.Empty, "transaction");
        if (options is { } o2 && fields.Flag(o2, "options", "transaction") is { } t)
        {
            transaction = t;
        }

        return new SendRequest
        {
            Sender = fields.Text(root, string.Empty, "sender"),
            Body = fields.Text(root, string.Empty, "body", "message", "corpo"),
            Recipients = recipients,
            Priority = fields.Number(root, string.Empty, "priority"),
            Type = ReadType(root, fields),
            Flash = fields.Flag(root, string.Empty, "flash"),
            ScheduledAt = fields.Date(root, string.Empty, "scheduledAt", "timestamp_send"),
            ValidityPeriodMinutes = ReadValidity(root, fields),
            DryRun = (topLevelDryRun ?? false) || (optionDryRun ?? false),
            FailOnMultipleMessages = (fields.Flag(root, string.Empty, "failOnMultipleMessages") ?? false)
                                     || (options is { } o3 && (fields.Flag(o3, "options", "failOnMultipleMessages") ?? false)),
            Transaction = transaction,
            SmartEncoding = (fields.Flag(root, string.Empty, "smartEncoding") ?? false)
                            || (options is { } o4 && (fields.Flag(o4, "options", "smartEncoding") ?? false)),
            Callback = ReadCallback(root, fields),
        };
    }

    private static MessageType? ReadType(JsonElement root, RequestFields fields)
    {
        var text = fields.Text(root, string.Empty, "type");
        if (text is null)
        {
            return null;
        }

        if (MessageTypeExtensions.TryParseApiName(text, out var type))
        {
            return type;
        }

        fields.Shape(ApiErrorCodes.UnknownValue, "type", $"'type' must be one of otp, transactional, promotional; '{Truncate(text)}' is not.");
        return null;
    }

    private static int? ReadValidity(JsonElement root, RequestFields fields)
    {
        var minutes = fields.WholeNumber(root, string.Empty, "validityPeriod");
        if (minutes is null)
        {
            return null;
        }

        if (minutes is < MinValidityMinutes or > MaxValidityMinutes)
        {
            fields.Invalid(ApiErrorCodes.InvalidValidityPeriod, "validityPeriod",
                $"'validityPeriod' is in minutes, from {MinValidityMinutes} to {MaxValidityMinutes} (72 hours).");
            return null;
        }

        return (int)minutes.Value;
    }

    private static List<RecipientInput>? ReadRecipients(JsonElement root, RequestFields fields, int max, out bool tooMany)
    {
        tooMany = false;
        if (RequestFields.Find(root, "recipients", "recipient") is not { } found)
        {
            return null;
        }

        var (name, value) = found;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return [new RecipientInput(value.GetString())];
            case JsonValueKind.Object:
                return ReadRecipientObject(value, name, fields) is { } single ? [single] : [];
            case JsonValueKind.Array:
                var length = value.GetArrayLength();
                if (length > max)
                {
                    tooMany = true;
                    return null;
                }

                var list = new List<RecipientInput>(length);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"{name}[{index}]");
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        list.Add(new RecipientInput(item.GetString()));
                    }
                    else if (item.ValueKind == JsonValueKind.Object)
                    {
                        if (ReadRecipientObject(item, path, fields) is { } entry)
                        {
                            list.Add(entry);
                        }
                    }
                    else
                    {
                        fields.WrongType(path, "a number as a string or an object {number, fields}", item);
                    }

                    index++;
                }

                return list;
            default:
                fields.WrongType(name, "a string, an array, or an object {number, fields}", value);
                return [];
        }
    }

    private static RecipientInput? ReadRecipientObject(JsonElement obj, string path, RequestFields fields)
    {
        var number = fields.Text(obj, path, "number", "numero");
        if (number is null && RequestFields.Find(obj, "number", "numero") is null)
        {
            fields.Shape(ApiErrorCodes.FieldRequired, path + ".number", $"'{path}' needs a 'number'.");
            return null;
        }

        var values = fields.Child(obj, path, "fields", "campi");
        Dictionary<string, string>? map = null;
        if (values is { } v)
        {
            map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in v.EnumerateObject())
            {
                var text = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                if (text is null)
                {
                    fields.WrongType($"{path}.fields.{property.Name}", "a string, number or boolean", property.Value);
                    continue;
                }

                map[property.Name] = text;
            }

            if (MessageJson.Serialize(map).Length > MaxStoredFieldsChars)
            {
                // Stored on the recipient's row (a property holds 64 KiB, a group commit 4 MiB): refused before the charge.
                fields.Invalid(ApiErrorCodes.RecipientFieldsTooLarge, path + ".fields",
                    $"A recipient's fields, stored as JSON, may hold at most {MaxStoredFieldsChars} characters.");
            }
        }

        return number is null ? null : new RecipientInput(number, map);
    }

    /// <summary>Reads a callback object (the message's <c>callback</c>, or another property of the same shape, such as
    /// the account's <c>inboundCallback</c>), reporting problems under <paramref name="name"/>.</summary>
    internal static CallbackDto? ReadCallback(JsonElement root, RequestFields fields, string name = "callback")
    {
        if (fields.Child(root, string.Empty, name) is not { } callback)
        {
            return null;
        }

        var url = fields.Text(callback, name, "url");
        if (url is null && RequestFields.Find(callback, "url") is null)
        {
            fields.Invalid(ApiErrorCodes.FieldRequired, name + ".url", "A callback needs a 'url'.");
        }
        else if (url is not null && !IsHttpUrl(url))
        {
            fields.Invalid(ApiErrorCodes.InvalidCallbackUrl, name + ".url", $"'{name}.url' must be an absolute http or https URL.");
            url = null;
        }
        else if (url is not null && SmsFunctions.App.Callbacks.CallbackTargetGuard.ShapeProblem(url) is { } shape)
        {
            fields.Invalid(ApiErrorCodes.InvalidCallbackUrl, "callback.url", shape);
            url = null;
        }

        var method = "JSON";
        if (fields.Text(callback, name, "method") is { } m)
        {
            if (m.Equals("JSON", StringComparison.OrdinalIgnoreCase) || m.Equals("POST", StringComparison.OrdinalIgnoreCase))
            {
                method = m.ToUpperInvariant();
            }
            else
            {
                fields.Shape(ApiErrorCodes.UnknownValue, name + ".method", $"'{name}.method' must be JSON or POST; '{Truncate(m)}' is not.");
            }
        }

        var retry = CallbackDto.DefaultRetry;
        if (fields.WholeNumber(callback, name, "retry") is { } r)
        {
            if (r is < 0 or > CallbackDto.MaxRetry)
            {
                fields.Invalid(ApiErrorCodes.InvalidCallbackRetry, name + ".retry", $"'{name}.retry' must be from 0 to {CallbackDto.MaxRetry}.");
            }
            else
            {
                retry = (int)r;
            }
        }

        Dictionary<string, string>? headers = null;
        if (fields.Child(callback, name, "headers") is { } h)
        {
            headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in h.EnumerateObject())
            {
                if (header.Value.ValueKind != JsonValueKind.String)
                {
                    fields.WrongType($"{name}.headers.{header.Name}", "a string", header.Value);
                    continue;
                }

                var value = header.Value.GetString()!;
                if (SmsFunctions.App.Callbacks.CallbackHeaders.Problem(header.Name, value) is { } problem)
                {
                    fields.Invalid(ApiErrorCodes.InvalidCallbackHeader, $"callback.headers.{Truncate(header.Name)}", problem);
                    continue;
                }

                headers[header.Name] = value;
            }

            if (SmsFunctions.App.Callbacks.CallbackHeaders.SizeProblem(headers) is { } size)
            {
                fields.Invalid(ApiErrorCodes.InvalidCallbackHeader, "callback.headers", size);
            }
        }

        var custom = fields.Child(callback, name, "custom")?.Clone();
        var field = fields.Text(callback, name, "field");
        var dto = new CallbackDto(url ?? string.Empty, method, field, headers, custom, retry);
        if (MessageJson.Serialize(dto).Length > MaxStoredCallbackChars)
        {
            // The callback is stored as one table property (64 KiB): refused here, never after the charge.
            fields.Invalid(ApiErrorCodes.CallbackTooLarge, custom is null ? name : name + ".custom",
                $"The callback, stored as JSON, may hold at most {MaxStoredCallbackChars} characters; keep 'custom' small.");
        }

        return url is null ? null : dto;
    }

    private static bool IsHttpUrl(string url)
        => url.Length <= 2048
           && Uri.TryCreate(url, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
           && !string.IsNullOrEmpty(uri.Host);

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
