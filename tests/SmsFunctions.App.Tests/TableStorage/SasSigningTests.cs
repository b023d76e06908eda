using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Queues.StorageQueues;
using SmsFunctions.Storage;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>
/// A connection string with an account key becomes clients that sign with an account SAS made once (the SDK's
/// shared-key signing left an HMAC per request to the finalizer): requests carry <c>sig=</c> and no
/// <c>Authorization</c> header, and tables and queues work with it against Azurite.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SasSigningTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    [Fact]
    public async Task TableRequestsCarryTheSasAndNoSharedKey()
    {
        var seen = new List<(string Query, bool Authorization)>();
        var options = new TableClientOptions();
        options.AddPolicy(new Recorder(seen), HttpPipelinePosition.PerRetry);
        var service = StorageServiceCollectionExtensions.SignedWithSas(new TableServiceClient(app.Azurite.ConnectionString, options), options);

        var table = service.GetTableClient(app.Azurite.UniqueName("sas"));
        await table.CreateIfNotExistsAsync(Ct);
        await table.SubmitTransactionAsync([
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "a") { ["V"] = 1 }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "b") { ["V"] = 2 }),
        ], Ct);
        var read = await table.GetEntityAsync<TableEntity>("p", "b", cancellationToken: Ct);

        Assert.Equal(2, read.Value.GetInt32("V"));
        Assert.NotEmpty(seen);
        Assert.All(seen, r => Assert.Contains("sig=", r.Query, StringComparison.Ordinal));
        Assert.All(seen, r => Assert.False(r.Authorization));
    }

    [Fact]
    public async Task TheSasIsMadeAgainBeforeItExpiresAndRequestsGoOnWorking()
    {
        var seen = new List<(string Query, bool Authorization)>();
        var options = new TableClientOptions();
        options.AddPolicy(new Recorder(seen), HttpPipelinePosition.PerRetry);
        var service = StorageServiceCollectionExtensions.SignedWithSas(
            new TableServiceClient(app.Azurite.ConnectionString, options), options, renewEvery: TimeSpan.FromMilliseconds(300));
        var table = service.GetTableClient(app.Azurite.UniqueName("sasrenew"));
        await table.CreateIfNotExistsAsync(Ct);
        var first = Sas(seen[^1].Query);

        await Task.Delay(TimeSpan.FromSeconds(1.6), Ct); // a SAS's expiry has one-second resolution
        await table.AddEntityAsync(new TableEntity("p", "renewed"), Ct);

        Assert.NotEqual(first, Sas(seen[^1].Query));
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", "renewed", cancellationToken: Ct)).HasValue);
    }

    private static string Sas(string query) =>
        string.Join('&', query.TrimStart('?').Split('&').Where(p => p.StartsWith("se=", StringComparison.Ordinal) || p.StartsWith("sig=", StringComparison.Ordinal)));

    [Fact]
    public async Task QueueClientsFromAKeyedConnectionStringNoLongerHoldTheKeyAndStillWork()
    {
        var client = StorageQueueTransport.CreateServiceClient(new StorageQueueTransportOptions { ConnectionString = app.Azurite.ConnectionString });
        Assert.False(client.CanGenerateAccountSasUri); // signed with a SAS, not with the key

        var queue = client.GetQueueClient(app.Azurite.UniqueName("sas").ToLowerInvariant());
        await queue.CreateIfNotExistsAsync(cancellationToken: Ct);
        await queue.SendMessageAsync("hello", Ct);
        var received = await queue.ReceiveMessageAsync(cancellationToken: Ct);
        Assert.Equal("hello", received.Value.Body.ToString());
    }

    private sealed class Recorder(List<(string Query, bool Authorization)> seen) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            lock (seen) { seen.Add((message.Request.Uri.Query, message.Request.Headers.TryGetValue("Authorization", out _))); }
        }
    }
}
