using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using SmsFunctions.App.Api;
using SmsFunctions.App.Api.Accounts;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.Core.Recipients;
using SmsFunctions.Storage.Inbound;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Inbound;

/// <summary>The account's opt-out list: read it, import numbers (e.g. from a previous provider), remove one.</summary>
public static class OptOutsApi
{
    public const int MaxNumbersPerRequest = 10_000;

    public static IEndpointRouteBuilder MapOptOutsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/opt-outs").WithTags("Opt-outs");
        group.MapGet("/", ListOptOuts).RequireAuthorization(SmsPolicies.OptOutsRead).WithName("ListOptOuts")
            .WithSummary("Numbers that opted out, with source and time (pageSize, continuationToken)");
        group.MapPost("/", AddOptOuts).RequireAuthorization(SmsPolicies.OptOutsWrite).WithName("AddOptOuts")
            .WithSummary("Add numbers to the opt-out list").ProducesProblem(400).ProducesProblem(413).ProducesProblem(422);
        group.MapDelete("/{number}", RemoveOptOut).RequireAuthorization(SmsPolicies.OptOutsWrite).WithName("RemoveOptOut")
            .WithSummary("Remove a number from the opt-out list");
        return endpoints;
    }

    public static async Task<IResult> ListOptOuts(ClaimsPrincipal user, OptOutStore optOuts, string? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var size = 100;
        if (!string.IsNullOrEmpty(pageSize)
            && !(int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) && size is >= 1 and <= OptOutStore.MaxPageSize))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidPageSize, "pageSize", $"'pageSize' must be a whole number from 1 to {OptOutStore.MaxPageSize}."));
        }

        if (!ContinuationTokens.TryDecode(continuationToken, out var azureToken))
        {
            errors.Add(new FieldError(ApiErrorCodes.InvalidContinuationToken, "continuationToken", "The continuation token is not one this API returned."));
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest, errors);
        }

        var page = await optOuts.ListAsync(user.AccountIdOf()!, size, azureToken, cancellationToken);
        var data = page.Items.Select(View).ToList();
        return TypedResults.Ok(new PagedEnvelope<OptOutView>(data, true, data.Count == 1 ? "1 Result" : $"{data.Count} Results", null, null, ContinuationTokens.Encode(page.ContinuationToken)));
    }

    public static async Task<IResult> AddOptOuts(ClaimsPrincipal user, HttpRequest request, OptOutStore optOuts, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 1024 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new RequestFields();
        var numbers = new List<string>();
        var invalid = new List<InvalidRecipientView>();
        using (document)
        {
            var root = document!.RootElement;
            if (RequestFields.Find(root, "numbers") is not { } found)
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "numbers", "Give the 'numbers' to add, as an array of strings.");
            }
            else if (found.Value.ValueKind != JsonValueKind.Array)
            {
                fields.WrongType("numbers", "an array of strings", found.Value);
            }
            else if (found.Value.GetArrayLength() > MaxNumbersPerRequest)
            {
                return ApiProblem.Validation(StatusCodes.Status413PayloadTooLarge,
                    new FieldError(ApiErrorCodes.TooManyNumbers, "numbers", $"At most {MaxNumbersPerRequest} numbers per request; split larger imports."));
            }
            else if (found.Value.GetArrayLength() == 0)
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "numbers", "'numbers' is empty.");
            }
            else
            {
                var i = 0;
                foreach (var item in found.Value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        fields.WrongType($"numbers[{i}]", "a string", item);
                    }
                    else if (PhoneNumberParser.Parse(item.GetString()) is { IsValid: true } parsed)
                    {
                        numbers.Add(parsed.Recipient.Number);
                    }
                    else
                    {
                        var rejected = PhoneNumberParser.Parse(item.GetString()).Invalid!;
                        invalid.Add(new InvalidRecipientView(rejected.Input, rejected.Code, rejected.Reason));
                    }

                    i++;
                }
            }
        }

        if (fields.Errors.Count == 0 && invalid.Count > 0)
        {
            fields.Invalid(SmsFunctions.Core.Messages.ErrorCodes.InvalidNumber, "numbers",
                $"{invalid.Count} of the numbers are not valid international numbers; nothing was added.");
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors,
                invalid.Count > 0 ? new Dictionary<string, object?> { ["invalidNumbers"] = invalid.Take(100).ToList() } : null);
        }

        var added = await optOuts.AddManyAsync(user.AccountIdOf()!, numbers, OptOutStore.SourceApi, CancellationToken.None);
        var distinct = numbers.Distinct(StringComparer.Ordinal).Count();
        return TypedResults.Ok(ApiEnvelope.Ok(new OptOutImportView(added, distinct - added),
            string.Create(CultureInfo.InvariantCulture, $"{added} added, {distinct - added} already on the list"), null));
    }

    public static async Task<IResult> RemoveOptOut(string number, ClaimsPrincipal user, OptOutStore optOuts, CancellationToken cancellationToken)
    {
        var parsed = PhoneNumberParser.Parse(NumbersApi.PathNumber(number));
        if (!parsed.IsValid)
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest, new FieldError(parsed.Invalid.Code, "number", parsed.Invalid.Reason));
        }

        if (!await optOuts.RemoveAsync(user.AccountIdOf()!, parsed.Recipient.Number, CancellationToken.None))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.OptOutNotFound, "The number is not on the opt-out list.",
                $"{parsed.Recipient.Number} is not on this account's opt-out list.", new Dictionary<string, object?> { ["field"] = "number" });
        }

        return TypedResults.NoContent();
    }

    private static OptOutView View(OptOutEntity entity) => new(entity.RowKey, entity.Source, entity.Detail, entity.At);
}

/// <summary>One number of the opt-out list: <c>source</c> is <c>keyword</c> (a STOP, <c>detail</c> the inbound id) or <c>api</c>.</summary>
public sealed record OptOutView(string Number, string Source, string? Detail, DateTimeOffset At);

public sealed record OptOutImportView(int Added, int AlreadyListed);
