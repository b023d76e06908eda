using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Large recipient lists are accepted in one request, with every recipient stored.</summary>
[Collection(ApiCollection.Name)]
public sealed class BulkSendTests(SmsAppFixture app)
{
    [Theory]
    [InlineData(1_000)]
    [InlineData(10_000)]
    public async Task ALargeRecipientListIsAcceptedAndFullyStored(int count)
        => await AcceptAsync(count); // How fast is measured by the bulk benchmark, not asserted in a test that a busy machine would flake.

    /// <summary>
    /// The largest request allowed. Recipients are spread over 16 partitions per message (on Azurite, inserts into
    /// one partition cost time quadratic in its size: one partition made this a 500 after minutes). How fast is a
    /// benchmark figure (tests/SmsFunctions.Benchmarks bulk), not asserted here.
    /// </summary>
    [Fact]
    public async Task OneHundredThousandRecipientsAreAcceptedAndFullyStored()
        => await AcceptAsync(100_000);

    private async Task<TimeSpan> AcceptAsync(int count)
    {
        var customer = await app.CreateCustomerAsync(count * 0.05m);
        using var client = app.CreateClient(customer.Token);
        client.Timeout = TimeSpan.FromMinutes(30);
        var body = new { sender = "MyCompany", recipients = Numbers.Mobiles(count), body = "Bulk notice" };
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/api/messages", body, TestCancellation.Token);
        watch.Stop();
        var text = await response.Content.ReadAsStringAsync(TestCancellation.Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text[..Math.Min(500, text.Length)]);
        TestContext.Current.AddAttachment($"accept-{count}", $"{watch.ElapsedMilliseconds} ms");

        var data = JsonNode.Parse(text)!["data"]!.AsArray().Single()!;
        Assert.Equal(count, data["recipients"]!.GetValue<int>());
        Assert.Equal(100, data["recipientSummary"]!.AsArray().Count);
        Assert.Equal(count, await SmsAppFixture.CountRecipientRowsAsync(app.Tables.Recipients, data["id"]!.GetValue<string>()));
        Assert.Equal(0m, await customer.CreditAsync());
        return watch.Elapsed;
    }
}
