using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// For test classes that start a gateway of their own in each test: an Azurite of their own (queue names are fixed, so
/// no other gateway may drain these queues) and a webhook receiver, both new for every test — a receiver's counts
/// (<see cref="WebhookListener.MostInFlight"/>) belong to one test.
/// </summary>
public abstract class OwnAzuriteAndReceiver : IAsyncLifetime
{
    protected AzuriteFixture Azurite { get; } = new();

    protected WebhookListener Hooks { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Hooks = await WebhookListener.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Hooks.DisposeAsync();
        await Azurite.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
