using Microsoft.AspNetCore.Authorization;

namespace SmsFunctions.App.Api.Auth;

/// <summary>Authorization policies: the admin key, or a token with a scope.</summary>
public static class SmsPolicies
{
    public const string Admin = "sms-admin";
    public const string Send = "scope:" + Scopes.MessagesSend;
    public const string Read = "scope:" + Scopes.MessagesRead;
    public const string Cancel = "scope:" + Scopes.MessagesCancel;
    public const string MintTokens = "admin-or-" + Scopes.TokensWrite;

    public static AuthorizationBuilder AddSmsPolicies(this AuthorizationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddPolicy(Admin, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Admin, "true"))
            .AddPolicy(Send, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesSend))
            .AddPolicy(Read, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesRead))
            .AddPolicy(Cancel, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesCancel))
            .AddPolicy(MintTokens, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireAssertion(
                c => c.User.IsAdmin() || c.User.HasClaim(SmsClaims.Scope, Scopes.TokensWrite)));
    }
}
