namespace SmsFunctions.App.Api.Accounts;

/// <summary>An account as admins see it; <see cref="WebhookSecret"/> only in the answer that created it.</summary>
public sealed record AccountView(
    string Id,
    string Name,
    string Currency,
    decimal Credit,
    bool Blocked,
    string? BlockedReason,
    int RateLimitPerSecond,
    DateTimeOffset CreatedAt,
    string? WebhookSecret = null);

public sealed record LedgerEntryView(string Kind, decimal Amount, decimal BalanceAfter, string? MessageId, DateTimeOffset At);
