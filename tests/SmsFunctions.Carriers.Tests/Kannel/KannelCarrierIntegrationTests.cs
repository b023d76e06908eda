using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmsFunctions.Carriers.Kannel;
using SmsFunctions.Carriers.Tests.Support;
using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Testing;
using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Carriers.Tests.Kannel;

/// <summary>The Kannel carrier against a real Kannel: what reaches the SMSC, and receipts carrying our ids back.</summary>
[Collection(KannelCollection.Name)]
public sealed class KannelCarrierIntegrationTests(KannelFixture kannel) : IAsyncLifetime
{
    private const string Secret = "integration-receipt-secret-0123";
    private static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(15);
    private WebhookListener _listener = null!;

    public async ValueTask InitializeAsync() => _listener = await WebhookListener.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    [Fact]
    public async Task Gsm7Ucs2AndThreePartTextsReachTheSmscAndTheirReceiptsCarryOurIdsBack()
    {
        await using var provider = Services(_listener.BaseUrl);
        var carrier = provider.GetRequiredService<KannelCarrier>();
        var recipient = "+39333" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var longText = string.Concat(Enumerable.Range(0, 40).Select(i => $"part{i:00}-x")) + " end"; // 324 GSM-7 chars: 3 parts
        var submissions = new[]
        {
            Submissions.To(recipient, "Il tuo codice è 123456 (€5)"),
            Submissions.To(recipient, "Привет 👋", SmsEncoding.Ucs2),
            Submissions.To(recipient, longText, parts: 3),
        };

        foreach (var submission in submissions)
        {
            var result = await carrier.SubmitAsync(submission, TestContext.Current.CancellationToken);
            Assert.True(result.Outcome == CarrierSubmitOutcome.Accepted, $"{submission.Body}: {result.Outcome} {result.Reason}");
        }

        // What the SMSC got: the GSM text, UCS-2 that decodes back, and three concatenated parts (UDH n/3).
        var atSmsc = await kannel.WaitForSmscAsync(m => m.To == recipient, count: 5, ReceiptTimeout);
        Assert.Contains(atSmsc, m => m.Kind == "text" && m.Text == "Il tuo codice è 123456 (€5)");
        Assert.Contains(atSmsc, m => m.Kind == "ucs-2" && m.Text == "Привет 👋");
        var parts = atSmsc.Where(m => m.Kind == "udh").ToList();
        Assert.Equal(3, parts.Count);
        Assert.Equal(longText, string.Concat(parts.OrderBy(p => p.Udh, StringComparer.Ordinal).Select(p => p.Text)));

        // Receipts: type 8 (accepted by the SMSC) and type 1 (delivered) for each message, with our mid/to/sig intact.
        var parser = new KannelReceiptParser(Secret);
        foreach (var submission in submissions)
        {
            foreach (var (type, state) in new[] { ("8", RecipientState.Sent), ("1", RecipientState.Delivered) })
            {
                var request = (await _listener.WaitForAsync(
                    r => r.Path == KannelReceiptEndpoint.Path && r.Query.GetValueOrDefault("mid") == submission.MessageId && r.Query.GetValueOrDefault("type") == type,
                    timeout: ReceiptTimeout,
                    cancellationToken: TestContext.Current.CancellationToken))[0];
                Assert.Equal(recipient, request.Query["to"]);
                var parsed = parser.Parse(request.Query["mid"], request.Query["to"], request.Query["sig"], request.Query["type"],
                    request.Query.GetValueOrDefault("ts"), request.Query.GetValueOrDefault("smscid"), request.Query.GetValueOrDefault("reply"), request.Query.GetValueOrDefault("nonce"));
                Assert.Equal(KannelReceiptVerdict.Receipt, parsed.Verdict);
                Assert.Equal((submission.MessageId, recipient, state, "Kannel", submission.Nonce), (parsed.Receipt!.MessageId, parsed.Receipt.Recipient, parsed.Receipt.State, parsed.Receipt.Carrier, parsed.Receipt.Nonce));
                Assert.InRange(parsed.Receipt.At, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
            }
        }
    }

    [Fact]
    public async Task ReceiptsThroughTheRealEndpointReachTheSink()
    {
        var sink = new RecordingReceiptSink();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IDeliveryReceiptSink>(sink);
        builder.Services.AddCarriers(Configuration(null));
        await using var app = builder.Build();
        app.MapKannelReceipts();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // No ReceiptBaseUrl configured: the app publishes its own address, as the real app does after start.
        app.Services.GetRequiredService<ReceiptBaseUrlProvider>().DefaultReceiptBaseUrl = address;
        var submission = Submissions.To("+393331234567", "via the endpoint");

        var result = await app.Services.GetRequiredService<KannelCarrier>().SubmitAsync(submission, TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Accepted, result.Outcome);
        var receipts = await sink.WaitForAsync(r => r.MessageId == submission.MessageId, 2, ReceiptTimeout);
        Assert.Equal([RecipientState.Sent, RecipientState.Delivered], receipts.Select(r => r.State).Order());
        Assert.All(receipts, r => Assert.Equal(("+393331234567", submission.Nonce), (r.Recipient, r.Nonce)));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WrongCredentialsAreATransientErrorThatSaysWhatToCheck()
    {
        await using var provider = Services(_listener.BaseUrl, password: "wrong");

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To("+393331234567"), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.TransientError, result.Outcome);
        Assert.Contains("403", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyReceiverIsRejected()
    {
        await using var provider = Services(_listener.BaseUrl);

        var result = await provider.GetRequiredService<KannelCarrier>().SubmitAsync(Submissions.To(""), TestContext.Current.CancellationToken);

        Assert.Equal(CarrierSubmitOutcome.Rejected, result.Outcome);
    }

    private ServiceProvider Services(Uri? receiptBaseUrl, string? password = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDeliveryReceiptSink, RecordingReceiptSink>();
        services.AddCarriers(Configuration(receiptBaseUrl, password));
        return services.BuildServiceProvider();
    }

    private IConfiguration Configuration(Uri? receiptBaseUrl, string? password = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Carriers:Kannel:SendSmsUrl"] = kannel.SendSmsUrl.ToString(),
            ["Sms:Carriers:Kannel:Username"] = kannel.Username,
            ["Sms:Carriers:Kannel:Password"] = password ?? kannel.Password,
            ["Sms:Carriers:Kannel:ReceiptSecret"] = Secret,
            ["Sms:Carriers:Kannel:ReceiptBaseUrl"] = receiptBaseUrl?.ToString(),
        }).Build();
}
