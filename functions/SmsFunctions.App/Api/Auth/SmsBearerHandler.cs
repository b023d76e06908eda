using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Tokens;

namespace SmsFunctions.App.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer …</c>: either the admin key (compared in constant time) or an account token
/// (<see cref="TokenStore"/>, cached briefly). Challenges and refusals answer with problem details.
/// </summary>
public sealed class SmsBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenStore tokens,
    AccountStore accounts,
    IMemoryCache cache,
    IOptions<ApiOptions> apiOptions,
    IOptions<RateLimitOptions> rateLimits) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SmsBearer";
    private static readonly TimeSpan AccountCacheDuration = TimeSpan.FromSeconds(30);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }

        var presented = header["Bearer ".Length..].Trim();
        if (IsAdminKey(presented))
        {
            var admin = new ClaimsIdentity([new Claim(SmsClaims.Admin, "true")], SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(admin), SchemeName));
        }

        var token = await tokens.ValidateAsync(presented, Context.RequestAborted);
        if (token is null)
        {
            return AuthenticateResult.Fail("The token is malformed, unknown, expired or revoked.");
        }

        var claims = new List<Claim>
        {
            new(SmsClaims.AccountId, token.AccountId),
            new(SmsClaims.TokenId, token.Id),
            new(SmsClaims.ExpiresAt, token.ExpiresAt.ToString("O", CultureInfo.InvariantCulture)),
            new(SmsClaims.RateLimit, (await RateLimitOfAsync(token.AccountId)).ToString(CultureInfo.InvariantCulture)),
        };
        claims.AddRange(token.ScopeList.Select(s => new Claim(SmsClaims.Scope, s)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message ?? "Send 'Authorization: Bearer <token>'.";
        await ApiProblem.Create(StatusCodes.Status401Unauthorized, ApiErrorCodes.Unauthorized, "Authentication is required.", detail)
            .ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "The token does not allow this.",
                "The token lacks the scope (or admin rights) this endpoint requires.")
            .ExecuteAsync(Context);

    private bool IsAdminKey(string presented)
    {
        var key = apiOptions.Value.AdminApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        // Hash both so the comparison takes the same time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    private async Task<int> RateLimitOfAsync(string accountId)
    {
        var key = "sms-ratelimit:" + accountId;
        if (cache.TryGetValue(key, out int limit))
        {
            return limit;
        }

        var account = await accounts.GetAsync(accountId, Context.RequestAborted);
        limit = account is { RateLimitPerSecond: > 0 } ? account.RateLimitPerSecond : rateLimits.Value.DefaultPerSecond;
        cache.Set(key, limit, AccountCacheDuration);
        return limit;
    }
}
