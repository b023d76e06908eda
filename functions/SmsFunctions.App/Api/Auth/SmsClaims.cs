using System.Security.Claims;

namespace SmsFunctions.App.Api.Auth;

/// <summary>Claims the bearer handler puts on the request's user.</summary>
public static class SmsClaims
{
    public const string AccountId = "sms:account";
    public const string Scope = "sms:scope";
    public const string TokenId = "sms:token";
    public const string Admin = "sms:admin";
    public const string ExpiresAt = "sms:expires";
    public const string RateLimit = "sms:ratelimit";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasClaim(Admin, "true");

    public static string? AccountIdOf(this ClaimsPrincipal user) => user.FindFirstValue(AccountId);

    public static string? TokenIdOf(this ClaimsPrincipal user) => user.FindFirstValue(TokenId);

    public static IReadOnlyList<string> ScopesOf(this ClaimsPrincipal user) => [.. user.FindAll(Scope).Select(c => c.Value)];

    public static DateTimeOffset? ExpiresAtOf(this ClaimsPrincipal user)
        => DateTimeOffset.TryParse(user.FindFirstValue(ExpiresAt), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : null;
}
