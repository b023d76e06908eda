using System.Collections.Frozen;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The seed-003 envelope's integer <c>error</c> for each stable <c>code</c>. Numbers are never reused or changed;
/// families: 1xxx request shape, 2xxx message content, 3xxx caller and account, 4xxx resources and their state,
/// 5xxx our side. A code missing here answers its HTTP status (a test keeps every known code listed).
/// </summary>
public static class ApiErrorNumbers
{
    public static FrozenDictionary<string, int> Table { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [ApiErrorCodes.ValidationFailed] = 1000,
        [ApiErrorCodes.MalformedJson] = 1001,
        [ApiErrorCodes.EmptyBody] = 1002,
        [ApiErrorCodes.WrongType] = 1003,
        [ApiErrorCodes.UnknownValue] = 1004,
        [ApiErrorCodes.FieldRequired] = 1005,
        [ApiErrorCodes.InvalidValue] = 1006,
        [ApiErrorCodes.InvalidDate] = 1007,
        [ApiErrorCodes.ScheduleInPast] = 1008,
        [ApiErrorCodes.ScheduleTooFar] = 1009,
        [ApiErrorCodes.InvalidValidityPeriod] = 1010,
        [ApiErrorCodes.InvalidCallbackUrl] = 1011,
        [ApiErrorCodes.InvalidCallbackRetry] = 1012,
        [ApiErrorCodes.PayloadTooLarge] = 1013,
        [ApiErrorCodes.UnsupportedMediaType] = 1014,
        [ApiErrorCodes.InvalidContinuationToken] = 1015,
        [ApiErrorCodes.InvalidPageSize] = 1016,
        [ApiErrorCodes.InvalidIdempotencyKey] = 1017,
        [ApiErrorCodes.BadRequest] = 1018,
        [ApiErrorCodes.InvalidCallbackHeader] = 1019,
        [ApiErrorCodes.CallbackTooLarge] = 1020,
        [ApiErrorCodes.RecipientFieldsTooLarge] = 1021,
        [ApiErrorCodes.InvalidInboundNumber] = 1022,
        [ApiErrorCodes.TooManyNumbers] = 1023,
        [ApiErrorCodes.InboundMalformed] = 1024,

        [ErrorCodes.EmptyNumber] = 2001,
        [ErrorCodes.MissingCountryPrefix] = 2002,
        [ErrorCodes.InvalidNumber] = 2003,
        [ErrorCodes.NotAMobile] = 2004,
        [ErrorCodes.RecipientsRequired] = 2005,
        [ErrorCodes.NoValidRecipients] = 2006,
        [ErrorCodes.TooManyRecipients] = 2007,
        [ErrorCodes.OptedOut] = 2008,
        [ErrorCodes.AllRecipientsOptedOut] = 2009,
        [ErrorCodes.SenderRequired] = 2101,
        [ErrorCodes.SenderTooShort] = 2102,
        [ErrorCodes.SenderTooLong] = 2103,
        [ErrorCodes.SenderInvalidCharacters] = 2104,
        [ErrorCodes.SenderNeedsLetter] = 2105,
        [ErrorCodes.BodyRequired] = 2201,
        [ErrorCodes.BodyTooLong] = 2202,
        [ErrorCodes.MissingPlaceholder] = 2203,
        [ErrorCodes.AlertMultipleMessages] = 2204,
        [ErrorCodes.PriorityTooLow] = 2301,
        [ErrorCodes.PriorityTooHigh] = 2302,
        [ErrorCodes.PriorityTooPrecise] = 2303,
        [ErrorCodes.ContentBlocked] = 2401,

        [ApiErrorCodes.Unauthorized] = 3001,
        [ApiErrorCodes.Forbidden] = 3002,
        [ApiErrorCodes.RateLimited] = 3003,
        [ApiErrorCodes.AccountBlocked] = 3004,
        [ApiErrorCodes.AccountNotFound] = 3005,
        [ApiErrorCodes.InsufficientCredit] = 3006,
        [ApiErrorCodes.ScopeNotGrantable] = 3007,
        [ApiErrorCodes.BulkLimitReached] = 3008,
        [ApiErrorCodes.InboundKeyInvalid] = 3009,
        [ApiErrorCodes.NumberNotOwned] = 3010,
        [ApiErrorCodes.KannelSourceForbidden] = 3011,

        [ApiErrorCodes.MessageNotFound] = 4001,
        [ApiErrorCodes.RecipientNotFound] = 4002,
        [ApiErrorCodes.TokenNotFound] = 4003,
        [ApiErrorCodes.TermNotFound] = 4004,
        [ApiErrorCodes.QueueNotFound] = 4005,
        [ApiErrorCodes.DeadLetterSourceNotFound] = 4006,
        [ApiErrorCodes.NotFound] = 4007,
        [ApiErrorCodes.MethodNotAllowed] = 4008,
        [ApiErrorCodes.NumberNotFound] = 4009,
        [ApiErrorCodes.InboundNotFound] = 4010,
        [ApiErrorCodes.OptOutNotFound] = 4011,
        [ApiErrorCodes.MessageNotEditable] = 4101,
        [ApiErrorCodes.MessageNotCancelable] = 4102,
        [ApiErrorCodes.IdempotencyKeyReused] = 4103,
        [ApiErrorCodes.IdempotencyInProgress] = 4104,
        [ApiErrorCodes.IdempotentRequestAbandoned] = 4105,
        [ApiErrorCodes.ConcurrencyConflict] = 4106,
        [ApiErrorCodes.NumberTaken] = 4107,

        [ApiErrorCodes.InternalError] = 5000,
        [ApiErrorCodes.StorageUnavailable] = 5001,
        [ApiErrorCodes.DeadLettersUnavailable] = 5002,
        [ApiErrorCodes.FunctionNotFound] = 5101,
        [ApiErrorCodes.InvalidInvocation] = 5102,
        [ApiErrorCodes.InvocationFailed] = 5103,
        [ApiErrorCodes.RetryNotScheduled] = 5104,
        [ApiErrorCodes.InvocationForbidden] = 5105,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The number of <paramref name="code"/>; an unlisted code answers <paramref name="status"/>.</summary>
    public static int For(string code, int status) => Table.TryGetValue(code, out var number) ? number : status;

    /// <summary>The code an error without one gets from its HTTP status (an unmatched route, a wrong method).</summary>
    public static string CodeForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ApiErrorCodes.BadRequest,
        StatusCodes.Status401Unauthorized => ApiErrorCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ApiErrorCodes.Forbidden,
        StatusCodes.Status404NotFound => ApiErrorCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ApiErrorCodes.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ApiErrorCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ApiErrorCodes.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ApiErrorCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ApiErrorCodes.StorageUnavailable,
        >= 500 => ApiErrorCodes.InternalError,
        _ => ApiErrorCodes.BadRequest,
    };
}
