namespace SmsFunctions.Testing.Faults;

/// <summary>
/// One line of a fault script: which requests it picks (<see cref="Matches"/>), what it does to them
/// (<see cref="Fault"/>) and how often — the next <c>n</c> matching requests, or each matching request with a
/// probability up to a limit. Thread-safe; <see cref="Applied"/> counts what it did.
/// </summary>
public sealed class StorageFaultRule
{
    private readonly Func<StorageOperation, bool> _matches;
    private readonly Lock _lock = new();
    private int _applied;

    internal StorageFaultRule(string description, Func<StorageOperation, bool> matches, StorageFault fault, double probability, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Description = description;
        _matches = matches;
        Fault = fault;
        Probability = probability;
        Limit = limit;
    }

    public string Description { get; }

    public StorageFault Fault { get; }

    /// <summary>1 for "the next n"; less for "p of all".</summary>
    public double Probability { get; }

    /// <summary>The most requests this rule faults.</summary>
    public int Limit { get; }

    public int Applied { get { lock (_lock) { return _applied; } } }

    public bool Exhausted => Applied >= Limit;

    public bool Matches(StorageOperation operation) => _matches(operation);

    internal bool TryTake(StorageOperation operation, Random random)
    {
        if (!_matches(operation)) { return false; }
        lock (_lock)
        {
            if (_applied >= Limit) { return false; }
            if (Probability < 1.0 && random.NextDouble() >= Probability) { return false; }
            _applied++;
            return true;
        }
    }

    public override string ToString() => $"{Description}: {Fault} ({Applied}/{(Limit == int.MaxValue ? "∞" : Limit)})";
}

/// <summary>Request matchers for fault rules.</summary>
public static class StorageMatch
{
    public static Func<StorageOperation, bool> Any { get; } = _ => true;

    /// <summary>Every write (insert, replace, merge, delete, batch, queue put/delete/update), optionally of one table or queue.</summary>
    public static Func<StorageOperation, bool> Writes(string? resource = null) => o => o.IsWrite && (resource is null || o.Touches(resource));

    /// <summary>Operations of these kinds, optionally of one table or queue.</summary>
    public static Func<StorageOperation, bool> Of(string? resource, params StorageOperationKind[] kinds) =>
        o => kinds.Contains(o.Kind) && (resource is null || o.Touches(resource));
}
