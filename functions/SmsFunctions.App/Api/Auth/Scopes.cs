namespace SmsFunctions.App.Api.Auth;

/// <summary>What a token may do.</summary>
public static class Scopes
{
    public const string MessagesSend = "messages:send";
    public const string MessagesRead = "messages:read";
    public const string MessagesCancel = "messages:cancel";
    public const string TokensWrite = "tokens:write";
    public const string AccountRead = "account:read";
    public const string AccountWrite = "account:write";
    public const string InboundRead = "inbound:read";
    public const string OptOutsWrite = "optouts:write";

    public static IReadOnlyList<string> All { get; } = [MessagesSend, MessagesRead, MessagesCancel, TokensWrite, AccountRead, AccountWrite, InboundRead, OptOutsWrite];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
