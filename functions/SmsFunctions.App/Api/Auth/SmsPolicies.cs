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
    public const string AccountRead = "scope:" + Scopes.AccountRead;
    public const string AccountWrite = "scope:" + Scopes.AccountWrite;
    public const string InboundRead = "scope:" + Scopes.InboundRead;
    public const string OptOutsWrite = "scope:" + Scopes.OptOutsWrite;

    /// <summary>Reading the opt-out list: <c>inbound:read</c> or <c>optouts:write</c>.</summary>
    public const string OptOutsRead = "scope:" + Scopes.InboundRead + "|" + Scopes.OptOutsWrite;

    /// <summary>Injecting a sandbox MO: the admin key, or <c>inbound:read</c> (the handler checks the number is the account's).</summary>
    public const string SandboxInbound = "admin-or-" + Scopes.InboundRead;

    public static AuthorizationBuilder AddSmsPolicies(this AuthorizationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddPolicy(Admin, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Admin, "true"))
            .AddPolicy(Send, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesSend))
            .AddPolicy(Read, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesRead))
            .AddPolicy(Cancel, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.MessagesCancel))
            .AddPolicy(AccountRead, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.AccountRead))
            .AddPolicy(AccountWrite, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.AccountWrite))
            .AddPolicy(InboundRead, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.InboundRead))
            .AddPolicy(OptOutsWrite, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.OptOutsWrite))
            .AddPolicy(OptOutsRead, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireClaim(SmsClaims.Scope, Scopes.InboundRead, Scopes.OptOutsWrite))
            .AddPolicy(SandboxInbound, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireAssertion(
                c => c.User.IsAdmin() || c.User.HasClaim(SmsClaims.Scope, Scopes.InboundRead)))
            .AddPolicy(MintTokens, p => p.AddAuthenticationSchemes(SmsBearerHandler.SchemeName).RequireAssertion(
                c => c.User.IsAdmin() || c.User.HasClaim(SmsClaims.Scope, Scopes.TokensWrite)));
    }
}
