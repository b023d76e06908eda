namespace SmsFunctions.Core.Lifecycle;

/// <summary>
/// How many recipients of a message are in each state: what <see cref="MessageStateRollup"/> needs, kept as counters
/// on the message so 100k recipients are never loaded to show one state. Addable, so shards or deltas can be summed.
/// </summary>
public readonly record struct RecipientStateCounts(
    int Draft = 0,
    int Scheduled = 0,
    int Queued = 0,
    int Dispatching = 0,
    int Sent = 0,
    int Buffered = 0,
    int Delivered = 0,
    int Undelivered = 0,
    int Failed = 0,
    int Expired = 0,
    int Rejected = 0,
    int Canceled = 0,
    int Blocked = 0)
{
    public int Total => Draft + Scheduled + Queued + Dispatching + Sent + Buffered + Terminal;

    /// <summary>Recipients that will not change any more.</summary>
    public int Terminal => Delivered + Undelivered + Failed + Expired + Rejected + Canceled + Blocked;

    /// <summary>Recipients not yet in a terminal state.</summary>
    public int InFlight => Total - Terminal;

    public int this[RecipientState state] => state switch
    {
        RecipientState.Draft => Draft,
        RecipientState.Scheduled => Scheduled,
        RecipientState.Queued => Queued,
        RecipientState.Dispatching => Dispatching,
        RecipientState.Sent => Sent,
        RecipientState.Buffered => Buffered,
        RecipientState.Delivered => Delivered,
        RecipientState.Undelivered => Undelivered,
        RecipientState.Failed => Failed,
        RecipientState.Expired => Expired,
        RecipientState.Rejected => Rejected,
        RecipientState.Canceled => Canceled,
        RecipientState.Blocked => Blocked,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown recipient state."),
    };

    /// <summary><paramref name="count"/> recipients in <paramref name="state"/>.</summary>
    public static RecipientStateCounts Of(RecipientState state, int count = 1) => default(RecipientStateCounts).Add(state, count);

    /// <summary>These counts with <paramref name="delta"/> more (or fewer) in <paramref name="state"/>.</summary>
    public RecipientStateCounts Add(RecipientState state, int delta) => state switch
    {
        RecipientState.Draft => this with { Draft = Draft + delta },
        RecipientState.Scheduled => this with { Scheduled = Scheduled + delta },
        RecipientState.Queued => this with { Queued = Queued + delta },
        RecipientState.Dispatching => this with { Dispatching = Dispatching + delta },
        RecipientState.Sent => this with { Sent = Sent + delta },
        RecipientState.Buffered => this with { Buffered = Buffered + delta },
        RecipientState.Delivered => this with { Delivered = Delivered + delta },
        RecipientState.Undelivered => this with { Undelivered = Undelivered + delta },
        RecipientState.Failed => this with { Failed = Failed + delta },
        RecipientState.Expired => this with { Expired = Expired + delta },
        RecipientState.Rejected => this with { Rejected = Rejected + delta },
        RecipientState.Canceled => this with { Canceled = Canceled + delta },
        RecipientState.Blocked => this with { Blocked = Blocked + delta },
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown recipient state."),
    };

    /// <summary>One recipient moved from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public RecipientStateCounts Move(RecipientState from, RecipientState to) => from == to ? this : Add(from, -1).Add(to, 1);

    public static RecipientStateCounts operator +(RecipientStateCounts left, RecipientStateCounts right) => new(
        left.Draft + right.Draft,
        left.Scheduled + right.Scheduled,
        left.Queued + right.Queued,
        left.Dispatching + right.Dispatching,
        left.Sent + right.Sent,
        left.Buffered + right.Buffered,
        left.Delivered + right.Delivered,
        left.Undelivered + right.Undelivered,
        left.Failed + right.Failed,
        left.Expired + right.Expired,
        left.Rejected + right.Rejected,
        left.Canceled + right.Canceled,
        left.Blocked + right.Blocked);

    public static RecipientStateCounts Add(RecipientStateCounts left, RecipientStateCounts right) => left + right;
}
