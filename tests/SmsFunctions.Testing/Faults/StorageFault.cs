namespace SmsFunctions.Testing.Faults;

/// <summary>What the proxy does to a request a rule picked.</summary>
public enum StorageFaultKind
{
    /// <summary>Forward it, let it commit, read the whole answer, then close the connection without answering (FIN):
    /// the client cannot tell whether it happened.</summary>
    CommitThenDropAnswer,

    /// <summary>Forward it, let it commit, then reset the connection (RST) instead of answering.</summary>
    CommitThenReset,

    /// <summary>Answer with <see cref="StorageFault.Status"/> (500 or 503) without forwarding: nothing happened.</summary>
    Status,

    /// <summary>Reset the connection (RST) without forwarding: nothing happened, the client sees an I/O error.</summary>
    Reset,

    /// <summary>Wait <see cref="StorageFault.Delay"/>, then forward and answer normally.</summary>
    Delay,
}

/// <summary>One fault: its kind and, for <see cref="StorageFaultKind.Status"/> and <see cref="StorageFaultKind.Delay"/>,
/// its status or delay.</summary>
public sealed record StorageFault(StorageFaultKind Kind, int Status = 0, TimeSpan Delay = default)
{
    public static StorageFault CommitThenDropAnswer { get; } = new(StorageFaultKind.CommitThenDropAnswer);

    public static StorageFault CommitThenReset { get; } = new(StorageFaultKind.CommitThenReset);

    public static StorageFault Reset { get; } = new(StorageFaultKind.Reset);

    public static StorageFault InternalError { get; } = new(StorageFaultKind.Status, 500);

    public static StorageFault ServerBusy { get; } = new(StorageFaultKind.Status, 503);

    public static StorageFault Delayed(TimeSpan delay) => new(StorageFaultKind.Delay, Delay: delay);

    /// <summary>Did the request reach storage (and so, for a write, may it have committed)?</summary>
    public bool Forwards => Kind is StorageFaultKind.CommitThenDropAnswer or StorageFaultKind.CommitThenReset or StorageFaultKind.Delay;

    public override string ToString() => Kind switch
    {
        StorageFaultKind.Status => $"answer {Status}",
        StorageFaultKind.Delay => $"delay {Delay.TotalMilliseconds:0} ms",
        StorageFaultKind.CommitThenDropAnswer => "commit, drop answer",
        StorageFaultKind.CommitThenReset => "commit, reset",
        _ => "reset",
    };
}
