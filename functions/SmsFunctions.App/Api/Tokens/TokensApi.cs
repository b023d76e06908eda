using System.Security.Claims;
using System.Text.Json;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Tokens;

namespace SmsFunctions.App.Api.Tokens;

/// <summary>
/// <c>POST /api/tokens</c> mints a bearer token (seed 003: "generate it via API, set an expiry and scopes"). The admin
/// key may mint for any account; a token with <c>tokens:write</c> only for its own account, with a subset of its own
/// scopes, expiring no later than itself, and the minted token lives only while its minter does.
/// <c>GET /api/tokens</c> lists an account's tokens (never a secret or a hash); <c>DELETE /api/tokens/{id}</c> revokes
/// one and every token minted from it.
/// </summary>
public static class TokensApi
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(730);

    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/tokens").WithTags("Tokens").RequireAuthorization(SmsPolicies.MintTokens);
        group.MapPost("/", CreateToken).WithName("CreateToken").WithSummary("Mint a bearer token (shown once)");
        group.MapGet("/", ListTokens).WithName("ListTokens").WithSummary("The account's tokens (the admin names the account with ?accountId=)");
        group.MapDelete("/{id}", RevokeToken).WithName("RevokeToken").WithSummary("Revoke a token (effective everywhere within 30 s)");
        return endpoints;
    }

    public static async Task<IResult> CreateToken(
        HttpRequest request, ClaimsPrincipal user, TokenStore tokens, AccountStore accounts, TimeProvider time, CancellationToken cancellationToken)
    {
        var (document, _, problem) = await JsonBody.ReadAsync(request, 64 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var fields = new RequestFields();
        string? accountId;
        List<string>? scopes = null;
        DateTimeOffset? expiresAt;
        using (document)
        {
            var root = document!.RootElement;
            accountId = fields.Text(root, string.Empty, "accountId");
            expiresAt = fields.Date(root, string.Empty, "expiresAt");
            if (RequestFields.Find(root, "scopes") is { } found)
            {
                if (found.Value.ValueKind == JsonValueKind.String)
                {
                    scopes = [.. found.Value.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
                }
                else if (found.Value.ValueKind == JsonValueKind.Array)
                {
                    scopes = [];
                    var index = 0;
                    foreach (var item in found.Value.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String)
                        {
                            scopes.Add(item.GetString()!);
                        }
                        else
                        {
                            fields.WrongType($"scopes[{index}]", "a string", item);
                        }

                        index++;
                    }
                }
                else
                {
                    fields.WrongType("scopes", "an array of strings", found.Value);
                }
            }
        }

        var now = time.GetUtcNow();
        var isAdmin = user.IsAdmin();
        var ownAccount = user.AccountIdOf();
        accountId ??= ownAccount;
        if (string.IsNullOrEmpty(accountId) && !fields.HasShapeErrors)
        {
            fields.Invalid(ApiErrorCodes.FieldRequired, "accountId", "Say which account the token is for.");
        }

        if (scopes is null && !fields.HasShapeErrors)
        {
            fields.Invalid(ApiErrorCodes.FieldRequired, "scopes", $"Give the token's scopes: {string.Join(", ", Scopes.All)}.");
        }

        foreach (var scope in scopes ?? [])
        {
            if (!Scopes.IsKnown(scope))
            {
                fields.Shape(ApiErrorCodes.UnknownValue, "scopes", $"'{(scope.Length <= 40 ? scope : scope[..40])}' is not a scope; use {string.Join(", ", Scopes.All)}.");
            }
        }

        if (scopes is { Count: 0 })
        {
            fields.Invalid(ApiErrorCodes.InvalidValue, "scopes", "A token needs at least one scope.");
        }

        var expiry = expiresAt ?? now + DefaultLifetime;
        if (!isAdmin && user.ExpiresAtOf() is { } ownExpiry && expiresAt is null)
        {
            expiry = expiry > ownExpiry ? ownExpiry : expiry;
        }

        if (expiry <= now)
        {
            fields.Invalid(ApiErrorCodes.InvalidDate, "expiresAt", "'expiresAt' must be in the future.");
        }
        else if (expiry > now + MaxLifetime)
        {
            fields.Invalid(ApiErrorCodes.InvalidDate, "expiresAt", "'expiresAt' can be at most two years ahead.");
        }

        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Status, fields.Errors);
        }

        if (!isAdmin)
        {
            // A token can only hand on what it has, for its own account, for no longer than it lives itself.
            if (!string.Equals(accountId, ownAccount, StringComparison.Ordinal))
            {
                return NotGrantable("accountId", "A token can only mint tokens for its own account.");
            }

            var own = user.ScopesOf();
            var missing = scopes!.Where(s => !own.Contains(s)).ToList();
            if (missing.Count > 0)
            {
                return NotGrantable("scopes", $"This token does not have {string.Join(", ", missing)} and so cannot grant it.");
            }

            if (user.ExpiresAtOf() is { } ownExpiry2 && expiry > ownExpiry2)
            {
                return NotGrantable("expiresAt", "A minted token cannot outlive the token that mints it.");
            }
        }

        if (await accounts.GetAsync(accountId!, cancellationToken) is null)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.AccountNotFound, "No such account.", null,
                new Dictionary<string, object?> { ["field"] = "accountId" });
        }

        var parentId = isAdmin ? null : user.TokenIdOf();
        var issued = await tokens.CreateAsync(accountId!, scopes!, expiry, parentId, cancellationToken);
        var parent = parentId is null ? null : await tokens.GetAsync(parentId, cancellationToken);
        var view = new TokenView(issued.Record.ApiId, issued.Token, accountId!, issued.Record.ScopeList, expiry, false, issued.Record.CreatedAt, parent?.ApiId);
        return TypedResults.Created($"/api/tokens/{issued.Record.Id}", ApiEnvelope.Ok(view, "Token created; it is not shown again", null));
    }

    public static async Task<IResult> RevokeToken(string id, ClaimsPrincipal user, TokenStore tokens, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(id, cancellationToken);
        if (token is null || (!user.IsAdmin() && !string.Equals(token.AccountId, user.AccountIdOf(), StringComparison.Ordinal)))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiErrorCodes.TokenNotFound, "No such token.", null,
                new Dictionary<string, object?> { ["field"] = "id" });
        }

        await tokens.RevokeAsync(token.Id, cancellationToken);
        var view = new TokenView(token.ApiId, null, token.AccountId, token.ScopeList, token.ExpiresAt, true, token.CreatedAt);
        return TypedResults.Ok(ApiEnvelope.Ok(view, "Token revoked, with every token minted from it", null));
    }

    public static async Task<IResult> ListTokens(string? accountId, ClaimsPrincipal user, TokenStore tokens, CancellationToken cancellationToken)
    {
        var account = user.IsAdmin() ? accountId : user.AccountIdOf();
        if (string.IsNullOrEmpty(account))
        {
            return ApiProblem.Validation(StatusCodes.Status400BadRequest,
                new FieldError(ApiErrorCodes.FieldRequired, "accountId", "Say which account's tokens to list (?accountId=)."));
        }

        var rows = await tokens.ListAsync(account, cancellationToken);
        var byHash = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        bool RevokedAbove(TokenEntity row)
        {
            // Revoked itself, or minted (transitively) by a revoked or vanished token.
            for (var (link, depth) = (row, 0); link is not null && depth < 32; depth++)
            {
                if (link.Revoked) { return true; }
                if (link.ParentId is null) { return false; }
                link = byHash.GetValueOrDefault(link.ParentId);
                if (link is null) { return true; }
            }

            return true;
        }

        var data = rows.Select(r => new TokenView(r.ApiId, null, r.AccountId, r.ScopeList, r.ExpiresAt, RevokedAbove(r), r.CreatedAt,
            r.ParentId is null ? null : byHash.GetValueOrDefault(r.ParentId)?.ApiId)).ToList();
        return TypedResults.Ok(ApiEnvelope.Ok(data, data.Count == 1 ? "1 Result" : $"{data.Count} Results", null));
    }

    private static IResult NotGrantable(string field, string detail) => ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.ScopeNotGrantable,
        "The token cannot mint this token.", detail, new Dictionary<string, object?> { ["field"] = field });
}
