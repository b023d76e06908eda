namespace SmsFunctions.Storage.Idempotency;

public enum IdempotencyOutcomeKind
{
    /// <summary>First use of the key: the caller processes the request, then calls Complete or Release.</summary>
    Started,

    /// <summary>The key was used before with the same request, which was answered: replay that answer.</summary>
    Replay,

    /// <summary>The key was used before with a different request.</summary>
    Mismatch,

    /// <summary>The first request with this key is still being processed.</summary>
    InProgress,
}

/// <summary>What to do with a request carrying an <c>Idempotency-Key</c>.</summary>
public sealed record IdempotencyOutcome(IdempotencyOutcomeKind Kind, int Status = 0, byte[]? Body = null);
