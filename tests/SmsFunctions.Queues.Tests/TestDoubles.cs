using System.Collections.Concurrent;
using Azure.Core;

namespace SmsFunctions.Queues.Tests;

/// <summary>Hands out "fake-token-{n}" and counts how often it was asked.</summary>
internal sealed class FakeTokenCredential(TimeProvider time, TimeSpan lifetime) : TokenCredential
{
    private int _calls;

    public FakeTokenCredential() : this(TimeProvider.System, TimeSpan.FromHours(1)) { }

    public int Calls => Volatile.Read(ref _calls);

    public ConcurrentQueue<string[]> Scopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Scopes.Enqueue(requestContext.Scopes);
        var n = Interlocked.Increment(ref _calls);
        return ValueTask.FromResult(new AccessToken($"fake-token-{n}", time.GetUtcNow() + lifetime));
    }
}
