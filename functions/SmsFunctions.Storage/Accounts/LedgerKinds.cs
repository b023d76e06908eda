namespace SmsFunctions.Storage.Accounts;

public static class LedgerKinds
{
    public const string Charge = "charge";
    public const string Penalty = "penalty";
    public const string Refund = "refund";
    public const string TopUp = "topup";
}
