using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Api.Accounts;

/// <summary>Admin endpoints for accounts: create, read, top up, unblock, and the ledger.</summary>
public static class AccountsApi
{
    public const decimal MaxAmount = 1_000_000m;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/accounts").WithTags("Accounts (admin)").RequireAuthorization(SmsPolicies.Admin);
        group.MapPost("/", CreateAccount).WithName("CreateAccount").WithSummary("Create an account (admin key)");
        group.MapGet("/{id}", GetAccount).WithName("GetAccount");
        group.MapPost("/{id}/credit", TopUp).WithName("TopUpAccount").WithSummary("Add credit");
        group.MapPost("/{id}/unblock", Unblock).WithName("UnblockAccount").WithSummary("Clear the content-policy block");
        group.MapGet("/{id}/ledger", GetLedger).WithName("GetLedger").WithSummary("Charges, penalties, refunds and top-ups, newest first");
        return endpoints;
    }

    public static async Task<IResult> CreateAccount(
        HttpRequest request, AccountStore accounts, CreditLedger ledger, IOptions<RateLimitOptions> rateLimits, IOptions<PricingOptions> pricing, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var root = document!.RootElement;
            var fields = new RequestFields();
            var name = fields.Text(root, string.Empty, "name");
            var credit = fields.Number(root, string.Empty, "credit") ?? 0m;
            var currency = fields.Text(root, string.Empty, "currency") ?? pricing.Value.Currency;
            var limit = fields.WholeNumber(root, string.Empty, "rateLimitPerSecond");
            if (string.IsNullOrWhiteSpace(name) && !fields.HasShapeErrors)
            {
                fields.Invalid(ApiErrorCodes.FieldRequired, "name", "An account needs a 'name'.");
            }
            else if (name is { Length: > 100 })
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "name", "'name' can be at most 100 characters.");
            }

            if (credit is < 0 or > MaxAmount)
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "credit", $"'credit' must be from 0 to {MaxAmount}.");
            }

            if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "currency", "'currency' must be an ISO 4217 code such as EUR.");
            }

            if (limit is < 1 or > 1_000_000)
            {
                fields.Invalid(ApiErrorCodes.InvalidValue, "rateLimitPerSecond", "'rateLimitPerSecond' must be from 1 to 1,000,000.");
            }

            if (fields.Errors.Count > 0)
            {
                return ApiProblem.Validation(fields.Status, fields.Errors);
            }

            var account = await accounts.CreateAsync(name!.Trim(), currency, (int)(limit ?? rateLimits.Value.DefaultPerSecond), cancellationToken);
            var balance = credit > 0 ? await ledger.AddAsync(account.Id, credit, LedgerKinds.TopUp, null, cancellationToken: CancellationToken.None) ?? 0m : 0m;
            var view = ToView(account, balance) with { WebhookSecret = account.WebhookSecret };
            return TypedResults.Created($"/api/accounts/{account.Id}",
                ApiEnvelope.Ok(view, "Account created; keep the webhookSecret, it is not shown again", balance));
        }
    }

    public static async Task<IResult> GetAccount(string id, AccountStore accounts, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAsync(id, cancellationToken);
        if (account is null)
        {
            return NotFound(id);
        }

        var balance = TableValues.ParseMoney(account.Credit);
        return TypedResults.Ok(ApiEnvelope.Ok(ToView(account, balance), "1 Result", balance));
    }

    public static async Task<IResult> TopUp(string id, HttpRequest request, AccountStore accounts, CreditLedger ledger, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        decimal? amount;
        var fields = new RequestFields();
        using (document)
        {
            amount = fields.Number(document!.RootElement, string.Empty, "amount");
        }

        if (amount is null && !fields.HasShapeErrors)
        {
            fields.Invalid(ApiErrorCodes.FieldRequired, "amount", "A top-up needs an 'amount'.");
        }
        else if (amount is <= 0 or > MaxAmount)
        {
            fields.Invalid(ApiErrorCodes.InvalidValue, "amount", $"'amount' must be more than 0 and at most {MaxAmount}.");
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        var balance = await ledger.AddAsync(id, amount!.Value, LedgerKinds.TopUp, null, cancellationToken: CancellationToken.None);
        if (balance is null)
        {
            return NotFound(id);
        }

        var account = await accounts.GetAsync(id, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(ToView(account!, balance.Value), "Credit added", balance));
    }

    public static async Task<IResult> Unblock(string id, AccountStore accounts, CancellationToken cancellationToken)
    {
        var account = await accounts.SetBlockedAsync(id, false, null, cancellationToken);
        if (account is null)
        {
            return NotFound(id);
        }

        var balance = TableValues.ParseMoney(account.Credit);
        return TypedResults.Ok(ApiEnvelope.Ok(ToView(account, balance), "Account unblocked", balance));
    }

    public static async Task<IResult> GetLedger(string id, AccountStore accounts, CreditLedger ledger, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAsync(id, cancellationToken);
        if (account is null)
        {
            return NotFound(id);
        }

        var entries = await ledger.ListAsync(id, 1000, cancellationToken);
        var data = entries.Select(e => new LedgerEntryView(e.Kind, TableValues.ParseMoney(e.Amount), TableValues.ParseMoney(e.BalanceAfter), e.MessageId, e.At)).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(data, string.Create(CultureInfo.InvariantCulture, $"{data.Count} Results"), TableValues.ParseMoney(account.Credit)));
    }

    private static AccountView ToView(AccountEntity account, decimal balance)
        => new(account.Id, account.Name, account.Currency, balance, account.Blocked, string.IsNullOrEmpty(account.BlockedReason) ? null : account.BlockedReason,
            account.RateLimitPerSecond, account.CreatedAt);

    private static IResult NotFound(string id) => ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.AccountNotFound,
        "No such account.", $"There is no account '{(id.Length <= 40 ? id : id[..40])}'.", new Dictionary<string, object?> { ["field"] = "id" });
}
