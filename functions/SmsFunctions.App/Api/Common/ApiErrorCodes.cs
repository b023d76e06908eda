namespace SmsFunctions.App.Api.Common;

/// <summary>Stable codes the HTTP edge adds to the domain's <see cref="Core.Messages.ErrorCodes"/>. Never rename one.</summary>
public static class ApiErrorCodes
{
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string EmptyBody = "EMPTY_BODY";
    public const string WrongType = "WRONG_TYPE";
    public const string UnknownValue = "UNKNOWN_VALUE";
    public const string FieldRequired = "FIELD_REQUIRED";
    public const string InvalidValue = "INVALID_VALUE";
    public const string InvalidDate = "INVALID_DATE";
    public const string ScheduleInPast = "SCHEDULE_IN_PAST";
    public const string ScheduleTooFar = "SCHEDULE_TOO_FAR";
    public const string InvalidValidityPeriod = "INVALID_VALIDITY_PERIOD";
    public const string InvalidCallbackUrl = "INVALID_CALLBACK_URL";
    public const string InvalidCallbackRetry = "INVALID_CALLBACK_RETRY";
    public const string InvalidCallbackHeader = "INVALID_CALLBACK_HEADER";
    public const string CallbackTooLarge = "CALLBACK_TOO_LARGE";
    public const string RecipientFieldsTooLarge = "RECIPIENT_FIELDS_TOO_LARGE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string InvalidContinuationToken = "INVALID_CONTINUATION_TOKEN";
    public const string InvalidPageSize = "INVALID_PAGE_SIZE";

    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string RateLimited = "RATE_LIMITED";
    public const string BulkLimitReached = "BULK_LIMIT_REACHED";
    public const string AccountBlocked = "ACCOUNT_BLOCKED";
    public const string AccountNotFound = "ACCOUNT_NOT_FOUND";
    public const string InsufficientCredit = "INSUFFICIENT_CREDIT";
    public const string MessageNotFound = "MESSAGE_NOT_FOUND";
    public const string RecipientNotFound = "RECIPIENT_NOT_FOUND";
    public const string TokenNotFound = "TOKEN_NOT_FOUND";
    public const string TermNotFound = "TERM_NOT_FOUND";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotencyInProgress = "IDEMPOTENCY_IN_PROGRESS";
    public const string IdempotentRequestAbandoned = "IDEMPOTENT_REQUEST_ABANDONED";
    public const string StorageUnavailable = "STORAGE_UNAVAILABLE";
    public const string InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY";
    public const string MessageNotEditable = "MESSAGE_NOT_EDITABLE";
    public const string MessageNotCancelable = "MESSAGE_NOT_CANCELABLE";
    public const string ScopeNotGrantable = "SCOPE_NOT_GRANTABLE";
    public const string ConcurrencyConflict = "CONCURRENCY_CONFLICT";
    public const string QueueNotFound = "QUEUE_NOT_FOUND";
    public const string DeadLetterSourceNotFound = "DEAD_LETTER_SOURCE_NOT_FOUND";
    public const string DeadLettersUnavailable = "DEAD_LETTERS_UNAVAILABLE";

    // Two-way SMS
    public const string InvalidInboundNumber = "INVALID_INBOUND_NUMBER";
    public const string NumberTaken = "NUMBER_TAKEN";
    public const string NumberNotFound = "NUMBER_NOT_FOUND";
    public const string NumberNotOwned = "NUMBER_NOT_OWNED";
    public const string InboundNotFound = "INBOUND_NOT_FOUND";
    public const string OptOutNotFound = "OPT_OUT_NOT_FOUND";
    public const string TooManyNumbers = "TOO_MANY_NUMBERS";
    public const string InboundKeyInvalid = "INBOUND_KEY_INVALID";
    public const string InboundMalformed = "INBOUND_MALFORMED";
    public const string KannelSourceForbidden = "KANNEL_SOURCE_FORBIDDEN";

    // Errors that carry no code of their own: an unreadable request, an unmatched route or method, our own failure,
    // and the custom handler's invocation endpoints.
    public const string BadRequest = "BAD_REQUEST";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string InternalError = "INTERNAL_ERROR";
    public const string FunctionNotFound = "FUNCTION_NOT_FOUND";
    public const string InvalidInvocation = "INVALID_INVOCATION";
    public const string InvocationFailed = "INVOCATION_FAILED";
    public const string RetryNotScheduled = "RETRY_NOT_SCHEDULED";
    public const string InvocationForbidden = "INVOCATION_FORBIDDEN";
}
