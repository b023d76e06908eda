using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Idempotency;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Messages;

/// <summary>The messages endpoints of both seed APIs, confined to the token's account.</summary>
public static class MessagesApi
{
    /// <summary>Messages with more recipients than this show the state stored on the message instead of counting recipients.</summary>
    public const int CountRecipientsUpTo = 5000;

    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/messages").WithTags("Messages (Gateway SMS 1.0.0)");
        group.MapPost("/", SendMessage).RequireAuthorization(SmsPolicies.Send).WithName("SendMessage")
            .WithSummary("Send an SMS to one or more recipients")
            .Produces<ApiEnvelope<IReadOnlyList<MessageView>>>(StatusCodes.Status201Created)
            .Produces<ApiEnvelope<IReadOnlyList<MessageView>>>(StatusCodes.Status200OK)
            .ProducesErrors(400, 402, 403, 409, 413, 415, 422);
        group.MapGet("/", ListMessages).RequireAuthorization(SmsPolicies.Read).WithName("ListMessages").WithSummary("The account's messages, newest first")
            .Produces<PagedEnvelope<MessageView>>(StatusCodes.Status200OK).ProducesErrors(400, 403);
        group.MapGet("/{id}", GetMessage).RequireAuthorization(SmsPolicies.Read).WithName("GetMessage").WithSummary("One message")
            .Produces<ApiEnvelope<IReadOnlyList<MessageView>>>(StatusCodes.Status200OK).ProducesErrors(403, 404);
        group.MapPut("/{id}", UpdateMessage).RequireAuthorization(SmsPolicies.Send).WithName("UpdateMessage")
            .WithSummary("Add recipients or change scheduledAt while a transaction is open; close it with transaction: false")
            .Produces<ApiEnvelope<MessageView>>(StatusCodes.Status200OK)
            .ProducesErrors(400, 402, 403, 404, 409, 413, 415, 422);
        group.MapDelete("/{id}", CancelMessage).RequireAuthorization(SmsPolicies.Cancel).WithName("CancelMessage")
            .WithSummary("Cancel what has not been handed to a carrier (no refund)")
            .Produces<CancellationEnvelope>(StatusCodes.Status200OK).ProducesErrors(403, 404, 409);
        group.MapGet("/{id}/recipients", ListRecipients).RequireAuthorization(SmsPolicies.Read).WithName("ListRecipients")
            .Produces<PagedEnvelope<RecipientView>>(StatusCodes.Status200OK).ProducesErrors(400, 403, 404);
        group.MapGet("/{id}/recipients/{number}", GetRecipient).RequireAuthorization(SmsPolicies.Read).WithName("GetRecipient")
            .Produces<ApiEnvelope<IReadOnlyList<RecipientView>>>(StatusCodes.Status200OK).ProducesErrors(400, 403, 404);
        return endpoints;
    }

    public static Task<IResult> SendMessage(
        HttpContext context, ClaimsPrincipal user, MessageService service, IdempotencyStore idempotency, IOptions<ApiOptions> options,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
        => SubmitAsync(context, user, service, idempotency, options.Value, json.Value.SerializerOptions, AsSeed003, string.Empty, 0m, cancellationToken);

    /// <summary>Seed 003 answers a sent message as <c>data: [message]</c>.</summary>
    private static ApiOutcome AsSeed003(ApiOutcome outcome)
        => outcome is { IsSuccess: true, Envelope: ApiEnvelope<MessageView> envelope } ? outcome with { Envelope = envelope.AsList() } : outcome;

    /// <summary>
    /// A send on either contract: reads the body, honours <c>Idempotency-Key</c> and submits; <paramref name="shape"/>
    /// turns the service's answer into the contract's. <paramref name="keyScope"/> keeps one contract's key from
    /// replaying the other contract's answer (it is a different request).
    /// </summary>
    internal static async Task<IResult> SubmitAsync(
        HttpContext context, ClaimsPrincipal user, MessageService service, IdempotencyStore idempotency, ApiOptions options,
        JsonSerializerOptions json, Func<ApiOutcome, ApiOutcome> shape, string keyScope, decimal minimumCreditPerPart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shape);
        var accountId = user.AccountIdOf()!;
        var (document, bytes, problem) = await JsonBody.ReadAsync(context.Request, options.MaxRequestBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            if (key.Length > 0 && (key.Length > 255 || key.Any(char.IsControl)))
            {
                return ApiProblem.Validation(StatusCodes.Status400BadRequest,
                    new FieldError(ApiErrorCodes.InvalidIdempotencyKey, "Idempotency-Key", "The Idempotency-Key header must be 1 to 255 printable characters."));
            }

            var requestHash = key.Length > 0 ? keyScope + TableValues.Sha256Hex(bytes) : string.Empty;
            SubmitAttempt? attempt = null;
            if (key.Length > 0)
            {
                var begun = await idempotency.BeginAsync(accountId, key, requestHash, cancellationToken);
                switch (begun.Kind)
                {
                    case IdempotencyOutcomeKind.Started:
                        attempt = SubmitAttempt.For(accountId, key, begun.StartedAt, begun.Resumed);
                        break;
                    case IdempotencyOutcomeKind.Replay:
                        context.Response.Headers["Idempotent-Replayed"] = "true";
                        return new StatusBytesResult(begun.Status, begun.Body ?? []);
                    case IdempotencyOutcomeKind.Mismatch:
                        return ApiProblem.Create(StatusCodes.Status409Conflict, ApiErrorCodes.IdempotencyKeyReused,
                            "The Idempotency-Key was used with a different request.",
                            "Use a new key for a new request; a key identifies one request for 24 hours.",
                            new Dictionary<string, object?> { ["field"] = "Idempotency-Key" });
                    case IdempotencyOutcomeKind.InProgress:
                        context.Response.Headers.RetryAfter = "1";
                        return ApiProblem.Create(StatusCodes.Status409Conflict, ApiErrorCodes.IdempotencyInProgress,
                            "A request with this Idempotency-Key is still being processed.", "Retry in a moment to get its answer.");
                }
            }

            ApiOutcome outcome;
            try
            {
                var fields = new RequestFields();
                var request = SendRequestReader.Read(document!.RootElement, fields, options.MaxRecipientsPerRequest);
                // Bulk work is capped per account (dry runs too): a bulk request past the cap is refused before any work.
                var bulk = context.RequestServices.GetRequiredService<BulkSendSlots>();
                using var slot = request is { Recipients.Count: var n } && bulk.IsBulk(n) ? bulk.TryTake(accountId) : null;
                outcome = shape(request is null
                    ? ApiOutcome.Fail(TooManyRecipients(options.MaxRecipientsPerRequest))
                    : slot is null && bulk.IsBulk(request.Recipients?.Count ?? 0)
                        ? ApiOutcome.Fail(BulkSendSlots.Refused(options.MaxConcurrentBulkPerAccount))
                        : await service.SubmitAsync(accountId, request, fields, cancellationToken, attempt, minimumCreditPerPart));
            }
            catch
            {
                // Perhaps charged, perhaps stored: the key stays pending, and the client's retry resumes the request
                // from what this attempt recorded (same message id, same charge) instead of starting it again.
                if (key.Length > 0)
                {
                    idempotency.Abandon(accountId, key);
                }

                throw;
            }

            if (key.Length == 0)
            {
                return outcome.ToResult();
            }

            if (!outcome.IsSuccess)
            {
                // A refusal is certain to have had no effect (a failure that might have is thrown, above).
                await idempotency.ReleaseAsync(accountId, key, CancellationToken.None);
                return outcome.ToResult();
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(outcome.Envelope, json);
            await idempotency.CompleteAsync(accountId, key, requestHash, outcome.Status, body, CancellationToken.None);
            if (outcome.Location is not null)
            {
                context.Response.Headers.Location = outcome.Location;
            }

            return new StatusBytesResult(outcome.Status, body);
        }
    }

    public static async Task<IResult> ListMessages(
        ClaimsPrincipal user, MessageStore messages, CreditLedger ledger, string? state, string? from, string? to,
        string? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var (page, problem) = await ReadPageAsync(user, messages, state, from, to, pageSize, continuationToken, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var credit = await ledger.GetBalanceAsync(user.AccountIdOf()!, cancellationToken);
        return TypedResults.Ok(new PagedEnvelope<MessageView>(page!.Items, true, ApiEnvelope.Results(page.Items.Count), Money(credit), null, page.ContinuationToken));
    }

    /// <summary>A page of the caller's messages (both contracts), or the problem with the query.</summary>
    internal static async Task<(MessageViewPage? Page, IResult? Problem)> ReadPageAsync(
        ClaimsPrincipal user, MessageStore messages, string? state, string? from, string? to,
        string? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        var errors = new List<FieldError>();
        var size = ParsePageSize(pageSize, errors);
        string? stateName = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (LifecycleApiNames.TryParseApiName(state, out MessageState parsed))
            {
                stateName = parsed.ToApiName();
            }
            else
            {
                errors.Add(new FieldError(ApiErrorCodes.UnknownValue, "state",
                    $"'state' must be one of {string.Join(", ", Enum.GetValues<MessageState>().Select(s => s.ToApiName()))}."));
            }
        }

        var createdFrom = ParseDate(from, "from", errors);
        var createdTo = ParseDate(to, "to", errors);
        if (!ContinuationTokens.TryDecode(continuationToken, out var azureToken))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidContinuationToken, "continuationToken", "The continuation token is not one this API returned."));
        }

        if (errors.Count > 0)
        {
            return (null, ApiProblem.Validation(StatusCodes.Status400BadRequest, errors));
        }

        var page = await messages.ListAsync(accountId, new MessageQuery(stateName, createdFrom, createdTo), size, azureToken, cancellationToken);
        return (new MessageViewPage([.. page.Items.Select(m => MessageViews.From(m))], ContinuationTokens.Encode(page.ContinuationToken)), null);
    }

    public static async Task<IResult> GetMessage(
        string id, ClaimsPrincipal user, MessageStore messages, RecipientStore recipients, CreditLedger ledger, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        var view = await ReadMessageAsync(accountId, id, messages, recipients, cancellationToken);
        if (view is null)
        {
            return NotFound(id);
        }

        var credit = await ledger.GetBalanceAsync(accountId, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(view, "1 Result", credit).AsList());
    }

    /// <summary>One message of the account with its recipients per state (both contracts), or null.</summary>
    internal static async Task<MessageView?> ReadMessageAsync(
        string accountId, string id, MessageStore messages, RecipientStore recipients, CancellationToken cancellationToken)
    {
        var message = await messages.GetAsync(accountId, id, cancellationToken);
        if (message is null)
        {
            return null;
        }

        RecipientStateCounts? counts = null;
        if (message.StateCountsJson is null && message.RecipientCount <= CountRecipientsUpTo)
        {
            counts = MessageJson.Counts(await recipients.CountByStateAsync(message.Id, cancellationToken));
        }
        else if (MessageJson.Deserialize<Dictionary<string, int>>(message.StateCountsJson) is { } stored)
        {
            counts = MessageJson.Counts(stored);
        }

        return MessageViews.From(message, counts);
    }

    public static async Task<IResult> UpdateMessage(
        string id, HttpContext context, ClaimsPrincipal user, MessageEditor editor, IOptions<ApiOptions> options, BulkSendSlots bulk, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        var (document, _, problem) = await JsonBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var fields = new RequestFields();
            var request = SendRequestReader.Read(document!.RootElement, fields, options.Value.MaxRecipientsPerRequest);
            if (request is null)
            {
                return TooManyRecipients(options.Value.MaxRecipientsPerRequest);
            }

            if (fields.HasShapeErrors)
            {
                return ApiProblem.Validation(fields.Status, fields.Errors);
            }

            var isBulk = bulk.IsBulk(request.Recipients?.Count ?? 0);
            using var slot = isBulk ? bulk.TryTake(accountId) : null;
            if (isBulk && slot is null)
            {
                return BulkSendSlots.Refused(options.Value.MaxConcurrentBulkPerAccount);
            }

            return (await editor.UpdateAsync(accountId, id, request, fields, cancellationToken)).ToResult();
        }
    }

    public static async Task<IResult> CancelMessage(string id, ClaimsPrincipal user, MessageCanceller canceller, CancellationToken cancellationToken)
        => (await canceller.CancelAsync(user.AccountIdOf()!, id, cancellationToken)).ToResult();

    public static async Task<IResult> ListRecipients(
        string id, ClaimsPrincipal user, MessageStore messages, RecipientStore recipients, CreditLedger ledger,
        string? state, string? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        var errors = new List<FieldError>();
        var size = ParsePageSize(pageSize, errors);
        string? stateName = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (LifecycleApiNames.TryParseApiName(state, out RecipientState parsed))
            {
                stateName = parsed.ToApiName();
            }
            else
            {
                errors.Add(new FieldError(ApiErrorCodes.UnknownValue, "state", "'state' is not a recipient state."));
            }
        }

        if (!ContinuationTokens.TryDecode(continuationToken, out var azureToken))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidContinuationToken, "continuationToken", "The continuation token is not one this API returned."));
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest, errors);
        }

        if (await messages.GetAsync(accountId, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var page = await recipients.ListAsync(id, size, azureToken, stateName, accountId, cancellationToken);
        var credit = await ledger.GetBalanceAsync(accountId, cancellationToken);
        var data = page.Items.Select(RecipientView.From).ToList();
        return TypedResults.Ok(new PagedEnvelope<RecipientView>(data, true, ApiEnvelope.Results(data.Count), Money(credit), null, ContinuationTokens.Encode(page.ContinuationToken)));
    }

    public static async Task<IResult> GetRecipient(
        string id, string number, ClaimsPrincipal user, MessageStore messages, RecipientStore recipients, CreditLedger ledger, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        if (await messages.GetAsync(accountId, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        // An unencoded '+' in a URL arrives as a space; put it back before parsing.
        var raw = number.Trim();
        if (number.StartsWith(' ') && !raw.StartsWith('+'))
        {
            raw = "+" + raw;
        }

        var parsed = PhoneNumberParser.Parse(raw);
        if (!parsed.IsValid)
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest,
                new FieldError(parsed.Invalid.Code, "number", parsed.Invalid.Reason));
        }

        var recipient = await recipients.GetAsync(id, parsed.Recipient.Number, cancellationToken);
        if (recipient is null || recipient.AccountId != accountId)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.RecipientNotFound, "No such recipient.",
                $"Message {id} has no recipient {parsed.Recipient.Number}.", new Dictionary<string, object?> { ["field"] = "number" });
        }

        var credit = await ledger.GetBalanceAsync(accountId, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(RecipientView.From(recipient), "1 Result", credit).AsList());
    }

    public static IResult NotFound(string id) => ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.MessageNotFound,
        "No such message.", $"There is no message '{Clip(id)}' in this account.", new Dictionary<string, object?> { ["field"] = "id" });

    public static IResult TooManyRecipients(int max) => ApiProblem.Validation(StatusCodes.Status413PayloadTooLarge,
        new FieldError(ErrorCodes.TooManyRecipients, "recipients", $"A request can carry at most {max} recipients; split larger sends."),
        new Dictionary<string, object?> { ["maxRecipients"] = max });

    private static int ParsePageSize(string? pageSize, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(pageSize))
        {
            return 20;
        }

        if (int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MessageStore.MaxPageSize)
        {
            return size;
        }

        errors.Add(new FieldError(ApiErrorCodes.InvalidPageSize, "pageSize", $"'pageSize' must be a whole number from 1 to {MessageStore.MaxPageSize}."));
        return 20;
    }

    /// <summary>An optional ISO 8601 query filter (<c>since</c>, <c>until</c>): null when absent, an error when unreadable.</summary>
    internal static DateTimeOffset? ParseDate(string? value, string field, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors.Add(new FieldError(ApiErrorCodes.InvalidDate, field, $"'{field}' is not an ISO 8601 date-time."));
        return null;
    }

    private static string? Money(decimal? amount) => amount is { } a ? TableValues.Money(a) : null;

    private static string Clip(string id) => id.Length <= 40 ? id : id[..40] + "…";

    /// <summary>A stored JSON answer replayed with its original status.</summary>
    private sealed class StatusBytesResult(int status, byte[] body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            return httpContext.Response.Body.WriteAsync(body).AsTask();
        }
    }
}

/// <summary>A page of messages and the token of the next (null on the last).</summary>
public sealed record MessageViewPage(IReadOnlyList<MessageView> Items, string? ContinuationToken);

/// <summary>The envelope of a page: seed-003 fields plus <c>continuationToken</c> (null on the last page).</summary>
public sealed record PagedEnvelope<T>(IReadOnlyList<T> Data, bool Success, string Message, string? Credit, object? Error, string? ContinuationToken);
