using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace SmsFunctions.Storage.Tables;

/// <summary>
/// The gateway's tables, each named <c>{TablePrefix}{Name}</c> so that tests and several deployments sharing one
/// storage account stay apart. Clients are thread-safe and cached for the process lifetime.
/// </summary>
public sealed class SmsTables
{
    public const string AccountsName = "Accounts";
    public const string LedgerName = "Ledger";
    public const string TokensName = "Tokens";
    public const string IdempotencyName = "Idempotency";
    public const string MessagesName = "Messages";
    public const string RecipientsName = "Recipients";
    public const string ScheduleName = "Schedule";
    public const string ForbiddenTermsName = "ForbiddenTerms";

    public static IReadOnlyList<string> Names { get; } =
        [AccountsName, LedgerName, TokensName, IdempotencyName, MessagesName, RecipientsName, ScheduleName, ForbiddenTermsName];

    public SmsTables(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        Prefix = options.Value.TablePrefix;
        Accounts = service.GetTableClient(Prefix + AccountsName);
        Ledger = service.GetTableClient(Prefix + LedgerName);
        Tokens = service.GetTableClient(Prefix + TokensName);
        Idempotency = service.GetTableClient(Prefix + IdempotencyName);
        Messages = service.GetTableClient(Prefix + MessagesName);
        Recipients = service.GetTableClient(Prefix + RecipientsName);
        Schedule = service.GetTableClient(Prefix + ScheduleName);
        ForbiddenTerms = service.GetTableClient(Prefix + ForbiddenTermsName);
        All = [Accounts, Ledger, Tokens, Idempotency, Messages, Recipients, Schedule, ForbiddenTerms];
    }

    public string Prefix { get; }

    public TableClient Accounts { get; }

    public TableClient Ledger { get; }

    public TableClient Tokens { get; }

    public TableClient Idempotency { get; }

    public TableClient Messages { get; }

    public TableClient Recipients { get; }

    public TableClient Schedule { get; }

    public TableClient ForbiddenTerms { get; }

    public IReadOnlyList<TableClient> All { get; }

    /// <summary>Creates every table that does not exist yet; safe to call repeatedly and concurrently.</summary>
    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
        => Task.WhenAll(All.Select(t => t.CreateIfNotExistsAsync(cancellationToken)));
}
