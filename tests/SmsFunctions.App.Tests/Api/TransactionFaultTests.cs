using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SmsFunctions.App.Tests.Infrastructure;
using SmsFunctions.Storage.Accounts;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Tests.Api;

/// <summary>An open transaction (PUT) whose client hangs up while its recipients are being stored: money and rows agree.</summary>
[Collection(ApiCollection.Name)]
public sealed class TransactionFaultTests(SmsAppFixture app)
{
    private static CancellationToken Ct => TestCancellation.Token;

    private RecipientStore Recipients => app.Services.GetRequiredServiceFor<RecipientStore>();

    private CreditLedger Ledger => app.Services.GetRequiredServiceFor<CreditLedger>();

    /// <summary>What storage says: recipients per state and the total price of those that will be sent.</summary>
    private async Task<(Dictionary<string, int> States, decimal SendingPrice, int Sending)> RowsAsync(string id)
    {
        var states = new Dictionary<string, int>(StringComparer.Ordinal);
        var price = 0m;
        var sending = 0;
        await foreach (var row in Recipients.QueryAsync(id, cancellationToken: Ct))
        {
            states[row.State] = states.GetValueOrDefault(row.State) + 1;
            if (row.State is "QUEUED" or "SCHEDULED")
            {
                price += TableValues.ParseMoney(row.Price);
                sending++;
            }
        }

        return (states, price, sending);
    }

    [Fact]
    public async Task AClientThatHangsUpWhileAddingRecipientsPaysExactlyForTheRecipientsThatAreSent()
    {
        const decimal Initial = 10_000m;
        const int PerPut = 3000;
        var customer = await app.CreateCustomerAsync(Initial);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(9_000_000), body = "x", options = new { transaction = true } }))["id"]!.GetValue<string>();

        // PUTs cut off by the client after different delays: before the debit, while rows are written, after.
        double[] delaysMs = [100, 300, 700, 1500, 3000];
        for (var i = 0; i < delaysMs.Length; i++)
        {
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cut.CancelAfter(TimeSpan.FromMilliseconds(delaysMs[i]));
            try
            {
                using var response = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", new { recipients = Numbers.Mobiles(PerPut, 1_000_000 + (i * PerPut)) }, cut.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                // The client hung up.
            }
        }

        // Closed at once, while the last PUTs may still be storing their rows on the server.
        using (var closed = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", new { transaction = false }, Ct))
        {
            Assert.True(closed.StatusCode == HttpStatusCode.OK, $"{(int)closed.StatusCode}: {await closed.Content.ReadAsStringAsync(Ct)}");
        }

        // The cut-off requests finish on the server (bounded wait); then what was charged is exactly what is sent.
        var rows = await RowsAsync(id);
        var charged = Initial - await customer.CreditAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500, Ct))
        {
            rows = await RowsAsync(id);
            charged = Initial - await customer.CreditAsync();
            if (!rows.States.ContainsKey("DRAFT") && charged == rows.SendingPrice) { break; }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{rows.Sending} recipients sent, {charged} charged, states: {string.Join(", ", rows.States.Select(s => $"{s.Key}={s.Value}"))}");
        Assert.Equal(rows.SendingPrice, charged);
        Assert.False(rows.States.TryGetValue("DRAFT", out var drafts), $"Rows left as drafts in a closed transaction: {drafts}");
        Assert.True(rows.Sending > 1, "Nothing was added: the delays did not exercise the write.");

        // The message says what is sent; the ledger sums to the balance.
        var message = await customer.GetMessageAsync(id);
        Assert.Equal(rows.Sending, message["recipients"]!.GetValue<int>());
        var balance = await customer.CreditAsync();
        var ledger = await Ledger.ListAsync(customer.AccountId, cancellationToken: Ct);
        Assert.Equal(balance, ledger.Sum(l => TableValues.ParseMoney(l.Amount)));
    }

    [Fact]
    public async Task AnAddWhoseRequestDiedAfterTheDebitIsNotChargedAgainByItsRetry()
    {
        var customer = await app.CreateCustomerAsync(10m);
        var id = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(9_000_003), body = "x", options = new { transaction = true } }))["id"]!.GetValue<string>();
        Assert.Equal(9.95m, await customer.CreditAsync());
        string[] added = [Numbers.Mobile(8_200_001), Numbers.Mobile(8_200_002)];

        // A first PUT took the charge for its two numbers (0.05 each) and died before it stored a row: what it left.
        var message = (await app.Services.GetRequiredServiceFor<MessageStore>().GetAsync(customer.AccountId, id, Ct))!;
        var changeId = SmsFunctions.App.Api.Messages.MessageEditor.ChangeIdOf(message, added.Select(n => (n, 0.05m)));
        var first = await Ledger.TryDebitAsync(customer.AccountId, 0.10m, LedgerKinds.Charge, id, changeId: "charge:" + changeId, at: message.UpdatedAt, cancellationToken: Ct);
        Assert.True(first.Succeeded);
        Assert.Equal(9.85m, await customer.CreditAsync());

        // Its retry (same numbers, message unchanged) stores them without charging them again.
        using (var retry = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", new { recipients = added }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        }

        Assert.Equal(9.85m, await customer.CreditAsync());
        var (_, price, sending) = await CloseAndCountAsync(customer, id);
        Assert.Equal(3, sending);
        Assert.Equal(0.15m, price);

        // A later add of other numbers is a new charge.
        var other = (await customer.SendOkAsync(new { sender = "MyCompany", recipient = Numbers.Mobile(9_000_004), body = "x", options = new { transaction = true } }))["id"]!.GetValue<string>();
        using (var add = await customer.Client.PutAsJsonAsync($"/api/messages/{other}", new { recipients = added }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        }

        Assert.Equal(9.70m, await customer.CreditAsync());
    }

    private async Task<(Dictionary<string, int> States, decimal SendingPrice, int Sending)> CloseAndCountAsync(Infrastructure.Customer customer, string id)
    {
        using (var closed = await customer.Client.PutAsJsonAsync($"/api/messages/{id}", new { transaction = false }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        return await RowsAsync(id);
    }

    [Fact]
    public async Task APenaltyTakenByARequestThatDiedIsNotTakenAgainByItsRetry()
    {
        var term = "forbidden" + Guid.NewGuid().ToString("N")[..6];
        using (var forbidden = await app.Admin.PostAsJsonAsync("/api/admin/forbidden-terms", new { term }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, forbidden.StatusCode);
        }

        var customer = await app.CreateCustomerAsync(10m);
        var id = (await customer.SendOkAsync(new
        {
            sender = "MyCompany",
            recipients = new[] { new { number = Numbers.Mobile(9_000_001), fields = new { nome = "Giulia" } } },
            body = "Ciao {{nome}}",
            options = new { transaction = true },
        }))["id"]!.GetValue<string>();
        Assert.Equal(9.95m, await customer.CreditAsync());

        // A first PUT took the penalty (1.00: one part) and died before it blocked the message: what it left behind.
        var first = await Ledger.DebitUpToAsync(customer.AccountId, 1.00m, LedgerKinds.Penalty, id,
            changeId: "penalty:" + id, at: SmsFunctions.Core.Messages.MessageId.CreatedAt(id), cancellationToken: Ct);
        Assert.True(first.Succeeded);

        // Its retry blocks the message and fines nobody twice.
        using var retry = await customer.Client.PutAsJsonAsync($"/api/messages/{id}",
            new { recipients = new[] { new { number = Numbers.Mobile(9_000_002), fields = new { nome = term } } } }, Ct);
        var body = JsonNode.Parse(await retry.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(2401, body["error"]!.GetValue<int>());
        Assert.Equal("CONTENT_BLOCKED", body["code"]!.GetValue<string>());
        Assert.Equal("BLOCKED", (await customer.GetMessageAsync(id))["state"]!.GetValue<string>());
        Assert.Equal(8.95m, await customer.CreditAsync());
    }
}
