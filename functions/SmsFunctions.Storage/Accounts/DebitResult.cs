namespace SmsFunctions.Storage.Accounts;

/// <summary>The outcome of a debit: whether it was taken, the balance afterwards (or as found), and what was missing.</summary>
public sealed record DebitResult(bool Succeeded, decimal Balance, decimal Shortfall, bool AccountExists = true)
{
    public static DebitResult NoAccount { get; } = new(false, 0m, 0m, AccountExists: false);
}
