namespace SmsFunctions.Storage.Idempotency;

public enum IdempotencyOutcomeKind
{
    /// <summary>First use of the key — or the resumption of a first use that never answered (<see cref="IdempotencyOutcome.Resumed"/>):
    /// the caller processes the request, then calls Complete, Release or Abandon.</summary>
    Started,

    /// <summary>The key was used before with the same request, which was answered: replay that answer.</summary>
    Replay,

    /// <summary>The key was used before with a different request.</summary>
    Mismatch,

    /// <summary>The first request with this key is still being processed.</summary>
    InProgress,
}

/// <summary>What to do with a request carrying an <c>Idempotency-Key</c>.</summary>
/// <param name="StartedAt">For <see cref="IdempotencyOutcomeKind.Started"/>: when the key's first request began. It
/// stays the same when a request is resumed, so anything derived from it (the message id, the charge's id) is too.</param>
/// <param name="Resumed">The key's first request began and never answered (its process died, or it failed without
/// knowing what it had done): whatever it recorded must be looked up and finished, never done again.</param>
public sealed record IdempotencyOutcome(
    IdempotencyOutcomeKind Kind, int Status = 0, byte[]? Body = null, DateTimeOffset StartedAt = default, bool Resumed = false);
