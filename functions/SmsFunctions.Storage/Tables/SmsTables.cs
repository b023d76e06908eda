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
    public const string NumbersName = "Numbers";
    public const string InboundName = "Inbound";
    public const string OptOutsName = "OptOuts";

    /// <summary>The recipient tables' names: <c>Recipients0</c> … <c>Recipientsf</c> (see <see cref="SmsFunctions.Storage.Messages.RecipientKeys"/>).</summary>
    public static IReadOnlyList<string> RecipientNames { get; } =
        [.. Enumerable.Range(0, SmsFunctions.Storage.Messages.RecipientKeys.Tables).Select(i => RecipientsName + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture))];

    public static IReadOnlyList<string> Names { get; } =
        [AccountsName, LedgerName, TokensName, IdempotencyName, MessagesName, .. RecipientNames, ScheduleName, ForbiddenTermsName, NumbersName, InboundName, OptOutsName];

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
        Recipients = [.. RecipientNames.Select(name => service.GetTableClient(Prefix + name))];
        Schedule = service.GetTableClient(Prefix + ScheduleName);
        ForbiddenTerms = service.GetTableClient(Prefix + ForbiddenTermsName);
        Numbers = service.GetTableClient(Prefix + NumbersName);
        Inbound = service.GetTableClient(Prefix + InboundName);
        OptOuts = service.GetTableClient(Prefix + OptOutsName);
        All = [Accounts, Ledger, Tokens, Idempotency, Messages, .. Recipients, Schedule, ForbiddenTerms, Numbers, Inbound, OptOuts];
    }

    public string Prefix { get; }

    public TableClient Accounts { get; }

    public TableClient Ledger { get; }

    public TableClient Tokens { get; }

    public TableClient Idempotency { get; }

    public TableClient Messages { get; }

    /// <summary>The recipient tables, indexed by <see cref="SmsFunctions.Storage.Messages.RecipientKeys.TableOf(string)"/>.</summary>
    public IReadOnlyList<TableClient> Recipients { get; }

    /// <summary>The recipient table that holds partition <paramref name="partitionKey"/>.</summary>
    public TableClient RecipientsOf(string partitionKey) => Recipients[SmsFunctions.Storage.Messages.RecipientKeys.TableOf(partitionKey)];

    public TableClient Schedule { get; }

    public TableClient ForbiddenTerms { get; }

    /// <summary>Inbound numbers and their owning account (two-way SMS).</summary>
    public TableClient Numbers { get; }

    /// <summary>Inbound (MO) messages and the carrier ids seen, for de-duplication.</summary>
    public TableClient Inbound { get; }

    /// <summary>Each account's opt-out list.</summary>
    public TableClient OptOuts { get; }

    public IReadOnlyList<TableClient> All { get; }

    /// <summary>Creates every table that does not exist yet; safe to call repeatedly and concurrently.</summary>
    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
        => Task.WhenAll(All.Select(t => t.CreateIfNotExistsAsync(cancellationToken)));
}
