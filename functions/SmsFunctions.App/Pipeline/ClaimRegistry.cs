using System.Collections.Concurrent;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// The dispatch claims this process is working on right now. A redelivered dispatch message that finds a recipient
/// held by one of them leaves it alone whatever the claim's age: its dispatcher is alive and will record the outcome.
/// Only a claim this process does not hold, older than the claim timeout, is taken for abandoned.
/// </summary>
public sealed class ClaimRegistry
{
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    /// <summary>A new claim id, live until the returned handle is disposed.</summary>
    public Lease Open()
    {
        var id = $"{Environment.ProcessId:x}-{Guid.NewGuid():N}";
        _live[id] = 0;
        return new Lease(this, id);
    }

    public bool IsLive(string? claimId) => claimId is not null && _live.ContainsKey(claimId);

    public sealed class Lease(ClaimRegistry registry, string id) : IDisposable
    {
        public string Id { get; } = id;

        public void Dispose() => registry._live.TryRemove(Id, out _);
    }
}
