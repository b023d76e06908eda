using SmsFunctions.Testing;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Reliability.Tests;

/// <summary>One Azurite and one Kannel for the whole suite; every scenario has its own table prefix, account,
/// gateway process, fault proxy and webhook receiver. Every test class is in <see cref="ReliabilityCollection"/>, so
/// the scenarios (which kill processes and wait for what survives, on a 2-core machine) run one at a time.</summary>
public sealed class ReliabilityFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    /// <summary>smsbox retries a receipt the gateway did not answer (it was being killed) for a minute.</summary>
    public KannelFixture Kannel { get; } = new() { ReceiptRetries = 60 };

    public async ValueTask InitializeAsync() => await Task.WhenAll(Azurite.InitializeAsync().AsTask(), Kannel.InitializeAsync().AsTask());

    public async ValueTask DisposeAsync()
    {
        await Kannel.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(nameof(ReliabilityCollection))]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityFixture>;
