using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.App.Callbacks;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Inbound;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Accounts;

/// <summary>
/// <c>GET /api/account</c> and <c>PUT /api/account</c>: the token's own account — its credit, inbound numbers and
/// two-way settings (<c>inboundCallback</c>, the STOP/START/HELP replies, whether OTPs bypass the opt-out list).
/// </summary>
public static class AccountSelfApi
{
    /// <summary>Longest reply text (10 GSM-7 parts).</summary>
    public const int MaxReplyLength = 1530;

    public static IEndpointRouteBuilder MapAccountSelfApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account").WithTags("Account");
        group.MapGet("/", GetOwnAccount).RequireAuthorization(SmsPolicies.AccountRead).WithName("GetOwnAccount")
            .WithSummary("The token's account: credit, numbers, inbound webhook and two-way settings");
        group.MapPut("/", UpdateOwnAccount).RequireAuthorization(SmsPolicies.AccountWrite).WithName("UpdateOwnAccount")
            .WithSummary("Set the inbound webhook and the two-way settings").ProducesProblem(400).ProducesProblem(422);
        return endpoints;
    }

    public static async Task<IResult> GetOwnAccount(ClaimsPrincipal user, AccountStore accounts, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAsync(user.AccountIdOf()!, cancellationToken);
        if (account is null)
        {
            return Missing();
        }

        var view = await ViewAsync(account, numbers, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(view, "1 Result", view.Credit));
    }

    public static async Task<IResult> UpdateOwnAccount(
        ClaimsPrincipal user, HttpRequest request, AccountStore accounts, InboundNumberStore numbers, IOptionsMonitor<CallbackOptions> callbackOptions, CancellationToken cancellationToken)
    {
        var accountId = user.AccountIdOf()!;
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new RequestFields();
        var patch = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (document)
        {
            var root = document!.RootElement;
            if (root.TryGetProperty("inboundCallback", out var callbackElement))
            {
                if (callbackElement.ValueKind == JsonValueKind.Null)
                {
                    patch[nameof(AccountEntity.InboundCallbackJson)] = string.Empty; // A merge leaves out nulls: empty clears.
                }
                else if (SendRequestReader.ReadCallback(root, fields, "inboundCallback") is { } callback)
                {
                    if (await CallbackTargetGuard.SubmissionProblemAsync(callback.Url, callbackOptions.CurrentValue.AllowPrivateNetworks, cancellationToken) is { } target)
                    {
                        fields.Invalid(ApiErrorCodes.InvalidCallbackUrl, "inboundCallback.url", target);
                    }
                    else
                    {
                        patch[nameof(AccountEntity.InboundCallbackJson)] = MessageJson.Serialize(callback);
                    }
                }
            }

            Reply(root, fields, patch, "helpText", nameof(AccountEntity.HelpText));
            Reply(root, fields, patch, "stopReply", nameof(AccountEntity.StopReply));
            Reply(root, fields, patch, "startReply", nameof(AccountEntity.StartReply));
            if (fields.Flag(root, string.Empty, "otpBypassesOptOut") is { } bypass)
            {
                patch[nameof(AccountEntity.OtpBypassesOptOut)] = bypass;
            }
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        var account = patch.Count == 0
            ? await accounts.GetAsync(accountId, cancellationToken)
            : await accounts.UpdateSettingsAsync(accountId, patch, CancellationToken.None);
        if (account is null)
        {
            return Missing();
        }

        var view = await ViewAsync(account, numbers, CancellationToken.None);
        return TypedResults.Ok(ApiEnvelope.Ok(view, patch.Count == 0 ? "Nothing to change" : "Account updated", view.Credit));
    }

    private static void Reply(JsonElement root, RequestFields fields, Dictionary<string, object?> patch, string name, string property)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            patch[property] = string.Empty;
            return;
        }

        if (fields.Text(root, string.Empty, name) is not { } text)
        {
            return;
        }

        if (text.Length > MaxReplyLength)
        {
            fields.Invalid(ApiErrorCodes.InvalidValue, name, $"'{name}' can be at most {MaxReplyLength} characters.");
            return;
        }

        patch[property] = string.IsNullOrWhiteSpace(text) ? string.Empty : text;
    }

    private static async Task<OwnAccountView> ViewAsync(AccountEntity account, InboundNumberStore numbers, CancellationToken cancellationToken)
    {
        var owned = await numbers.ListAsync(account.Id, cancellationToken);
        return new OwnAccountView(account.Id, account.Name, TableValues.ParseMoney(account.Credit), account.Currency, account.Blocked,
            string.IsNullOrEmpty(account.BlockedReason) ? null : account.BlockedReason,
            [.. owned.Select(n => n.RowKey)],
            string.IsNullOrEmpty(account.InboundCallbackJson) ? null : JsonNode.Parse(account.InboundCallbackJson),
            NullIfEmpty(account.HelpText), NullIfEmpty(account.StopReply), NullIfEmpty(account.StartReply), account.OtpBypassesOptOut);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static IResult Missing() => ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.AccountNotFound, "The token's account does not exist.");
}

/// <summary>The token's own account.</summary>
public sealed record OwnAccountView(
    string Id,
    string Name,
    decimal Credit,
    string Currency,
    bool Blocked,
    string? BlockedReason,
    IReadOnlyList<string> Numbers,
    JsonNode? InboundCallback,
    string? HelpText,
    string? StopReply,
    string? StartReply,
    bool OtpBypassesOptOut);
