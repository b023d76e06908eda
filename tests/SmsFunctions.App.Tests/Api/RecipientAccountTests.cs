using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Recipient rows are keyed by message id alone: a read checks that each row is the caller's account's.</summary>
[Collection(ApiCollection.Name)]
public sealed class RecipientAccountTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherAccountsMessageWithTheSameIdDoesNotShowItsRecipients()
    {
        var owner = await app.CreateCustomerAsync(10m);
        var other = await app.CreateCustomerAsync(10m);
        var id = (await owner.SendOkAsync(new { sender = "MyCompany", recipient = "+393331234567", body = "secret" }))["id"]!.GetValue<string>();

        // The other account gets a message with the same id (a collision, or an id minted elsewhere in the seed format).
        var row = await app.Services.GetRequiredService<MessageStore>().GetAsync(owner.AccountId, id, Ct);
        Assert.NotNull(row);
        row.PartitionKey = MessageEntity.PartitionKeyOf(other.AccountId, id);
        row.ETag = default;
        await app.Tables.Messages.AddEntityAsync(row, Ct);

        using var one = await other.Client.GetAsync(new Uri($"/api/messages/{id}/recipients/%2B393331234567", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, one.StatusCode);
        Assert.Equal("RECIPIENT_NOT_FOUND", (await Problem.ReadAsync(one)).Code);

        using var list = await other.Client.GetAsync(new Uri($"/api/messages/{id}/recipients", UriKind.Relative), Ct);
        var listed = JsonNode.Parse(await list.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Empty(listed["data"]!.AsArray());

        // The owner still reads its own.
        using var own = await owner.Client.GetAsync(new Uri($"/api/messages/{id}/recipients", UriKind.Relative), Ct);
        Assert.Single(JsonNode.Parse(await own.Content.ReadAsStringAsync(Ct))!["data"]!.AsArray());
    }
}
