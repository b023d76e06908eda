using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace SmsFunctions.App.Tests.Infrastructure;

/// <summary>An account with a token and a client that sends as it.</summary>
public sealed record Customer(SmsAppFixture App, string AccountId, string WebhookSecret, string Token, HttpClient Client)
{
    public Task<HttpResponseMessage> PostJsonAsync(string path, string json)
        => Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), TestCancellation.Token);

    public Task<HttpResponseMessage> SendAsync(object request)
        => Client.PostAsJsonAsync("/api/messages", request, TestCancellation.Token);

    /// <summary>Sends and returns the message object of a 201.</summary>
    public async Task<JsonObject> SendOkAsync(object request)
    {
        using var response = await SendAsync(request);
        return await SmsAppFixture.DataAsync(response);
    }

    public async Task<JsonObject> GetMessageAsync(string id)
    {
        using var response = await Client.GetAsync(new Uri($"/api/messages/{id}", UriKind.Relative), TestCancellation.Token);
        return await SmsAppFixture.DataAsync(response);
    }

    public Task<decimal> CreditAsync() => App.CreditAsync(AccountId);

    public Task<int> MessageCountAsync() => SmsAppFixture.CountAccountRowsAsync(App.Tables.Messages, AccountId);

    public Task<int> LedgerCountAsync() => SmsAppFixture.CountAccountRowsAsync(App.Tables.Ledger, AccountId);
}
