using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>One send: HTTP status, the message id from <c>data.id</c> on 201, and the error body otherwise.</summary>
internal readonly record struct SendOutcome(HttpStatusCode Status, string? Id, string? Error)
{
    public bool Accepted => Status == HttpStatusCode.Created && Id is not null;
}

/// <summary>
/// The documented HTTP contract of the app (issues 3 and 4): admin endpoints with the admin key, sends with an account
/// token, the <c>{data, success, message, credit, error}</c> envelope. Keep-alive connections, pooled.
/// </summary>
internal sealed class AppClient : IDisposable
{
    private readonly HttpClient _http;
    private AuthenticationHeaderValue? _token;

    public AppClient(Uri baseUrl, int maxConnections, TimeSpan? timeout = null)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = baseUrl,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Creates an account with plenty of credit and a token that may send and read; returns the account's
    /// webhook secret (null if the answer has none).</summary>
    public async Task<(string AccountId, string? WebhookSecret)> SetUpAccountAsync(string adminKey, string name, CancellationToken cancellationToken)
    {
        var admin = new AuthenticationHeaderValue("Bearer", adminKey);
        var account = await PostJsonAsync("/api/accounts", $$"""{"name":"{{name}}","credit":1000000,"currency":"EUR"}""", admin, cancellationToken).ConfigureAwait(false);
        var accountId = account.TryGetProperty("id", out var id) ? id.ToString()
            : throw new AppNotReadyException("POST /api/accounts answered without data.id: " + account);
        var secret = account.TryGetProperty("webhookSecret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;

        var expires = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture);
        var token = await PostJsonAsync("/api/tokens",
            $$"""{"accountId":"{{accountId}}","scopes":["messages:send","messages:read"],"expiresAt":"{{expires}}"}""", admin, cancellationToken).ConfigureAwait(false);
        _token = new AuthenticationHeaderValue("Bearer", token.TryGetProperty("token", out var t) ? t.GetString()
            : throw new AppNotReadyException("POST /api/tokens answered without data.token: " + token));
        return (accountId, secret);
    }

    /// <summary>Two-way set-up: assigns <paramref name="number"/> to the account (admin), and with a token that may
    /// write the account sets its <c>inboundCallback</c> to <paramref name="webhook"/> (JSON, field <c>data</c>).</summary>
    public async Task SetUpInboundAsync(string adminKey, string accountId, string number, Uri webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var admin = new AuthenticationHeaderValue("Bearer", adminKey);
        _ = await PostJsonAsync($"/api/accounts/{Uri.EscapeDataString(accountId)}/numbers", $$"""{"number":"{{number}}"}""", admin, cancellationToken).ConfigureAwait(false);
        var expires = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture);
        var token = await PostJsonAsync("/api/tokens",
            $$"""{"accountId":"{{accountId}}","scopes":["account:read","account:write","inbound:read"],"expiresAt":"{{expires}}"}""", admin, cancellationToken).ConfigureAwait(false);
        var accountToken = new AuthenticationHeaderValue("Bearer", token.TryGetProperty("token", out var t) ? t.GetString()
            : throw new AppNotReadyException("POST /api/tokens answered without data.token: " + token));
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/account")
        {
            Content = new StringContent($$$"""{"inboundCallback":{"url":"{{{webhook}}}","method":"JSON","field":"data"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = accountToken;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new AppNotReadyException($"PUT /api/account answered {(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))}");
        }
    }

    /// <summary>POST /api/messages with a pre-serialised body (the load generator shares the cores with the app:
    /// serialising once up front keeps its own cost out of the measurement).</summary>
    public async Task<SendOutcome> SendAsync(byte[] json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = _token;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            return new SendOutcome(response.StatusCode, null, Truncate(Encoding.UTF8.GetString(body)));
        }

        var reader = new Utf8JsonReader(body);
        return new SendOutcome(response.StatusCode, FindDataId(ref reader), null);
    }

    /// <summary>GET /api/messages/{id}: the message object (data), or null when not 200.</summary>
    public async Task<JsonElement?> GetMessageAsync(string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/messages/" + Uri.EscapeDataString(id));
        request.Headers.Authorization = _token;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) { return null; }
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        var message = document.RootElement.TryGetProperty("data", out var data) ? data : document.RootElement;
        return message.ValueKind == JsonValueKind.Array && message.GetArrayLength() > 0 ? message[0].Clone() : message.Clone();
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> PostJsonAsync(string path, string json, AuthenticationHeaderValue auth, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = auth;
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new AppNotReadyException($"POST {path} answered {(int)response.StatusCode}: {Truncate(body)}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("data", out var data) ? data.Clone()
            : throw new AppNotReadyException($"POST {path} answered without the data envelope: {Truncate(body)}");
    }

    // Reads only as far as data.id: the 201 body carries the whole message object, which we do not need.
    private static string? FindDataId(ref Utf8JsonReader reader)
    {
        var depth = 0;
        var inData = false;
        var messageDepth = 2; // data: {message}; seed 003's data: [message] puts it one level deeper
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    depth++;
                    if (inData && depth == 2 && reader.TokenType == JsonTokenType.StartArray) { messageDepth = 3; }
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    depth--;
                    if (inData && depth < 2) { inData = false; }
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("data"u8):
                    inData = true;
                    break;
                case JsonTokenType.PropertyName when inData && depth == messageDepth && reader.ValueTextEquals("id"u8):
                    reader.Read();
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : Encoding.UTF8.GetString(reader.ValueSpan);
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
