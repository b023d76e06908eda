using System.Text.Json.Nodes;
using SmsFunctions.App.Api.Common;
using SmsFunctions.App.Api.Messages;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.Api;

/// <summary>
/// The one message view: the message's answer and a recipient's view (its webhook) are the same record written with the
/// same JSON options; only a recipient's view has the recipient members.
/// </summary>
public sealed class MessageViewsTests
{
    private static readonly string[] RecipientMembers = ["carrier", "errorCode", "errorDetail", "outcomeUnknown", "refund", "refundedAt"];

    private static readonly DateTimeOffset At = new(2026, 1, 28, 11, 21, 20, 127, TimeSpan.Zero);

    private static MessageEntity Message(string? stateCounts = null) => new()
    {
        RowKey = "0123456789abcdef01234567", Username = "acme", State = "SENT", Sender = "MyCompany", Recipient = "+393331234567",
        RecipientCount = 2, InternationalPrefix = "39", CountryCode = "IT", Body = "Ciao {{nome}}", Encoding = "GSM-7", CharactersCount = 11,
        MessageCount = 1, Price = "0.05", TotalPrice = "0.10", Type = "transactional", StateCountsJson = stateCounts, CreatedAt = At, UpdatedAt = At,
    };

    private static RecipientEntity Recipient() => new()
    {
        PartitionKey = "0123456789abcdef01234567", RowKey = "+393331234568", State = "FAILED", Price = "0.0600", Parts = 2, CountryCode = "IT",
        FieldsJson = """{"nome":"Simone"}""", SentAt = At, UpdatedAt = At.AddSeconds(1), Carrier = "Kannel", ErrorCode = "DISPATCH_OUTCOME_UNKNOWN",
        ErrorDetail = "no answer", OutcomeUnknown = true, Refund = "paid", RefundedAt = At.AddSeconds(2),
    };

    [Fact]
    public void TheMessagesViewHasNoRecipientMembersAndARecipientsViewHasThemAll()
    {
        var message = ApiJson.ToNode(MessageViews.From(Message())).AsObject();
        var recipient = ApiJson.ToNode(MessageViews.ForRecipient(Message(), Recipient(), "FAILED")).AsObject();

        Assert.All(RecipientMembers, name => Assert.False(message.ContainsKey(name), name));
        Assert.All(RecipientMembers, name => Assert.True(recipient.ContainsKey(name), name));
        Assert.Equal("Kannel", recipient["carrier"]!.GetValue<string>());
        Assert.Equal("DISPATCH_OUTCOME_UNKNOWN", recipient["errorCode"]!.GetValue<string>());
        Assert.True(recipient["outcomeUnknown"]!.GetValue<bool>());
        Assert.Equal("PAID", recipient["refund"]!.GetValue<string>());
        Assert.Equal("2026-01-28T11:21:22.127Z", recipient["refundedAt"]!.GetValue<string>());
    }

    [Fact]
    public void ARecipientsViewIsTheMessageWithTheRecipientsOwnValues()
    {
        var message = ApiJson.ToNode(MessageViews.From(Message())).AsObject();
        var recipient = ApiJson.ToNode(MessageViews.ForRecipient(Message(), Recipient(), "FAILED")).AsObject();
        var own = new Dictionary<string, JsonNode?>
        {
            ["state"] = "FAILED", ["recipient"] = "+393331234568", ["message"] = "Ciao Simone", ["messageCount"] = 2, ["price"] = 0.0600m,
            ["updatedAt"] = "2026-01-28T11:21:21.127Z", ["sentAt"] = "2026-01-28T11:21:20.127Z", ["recipientStates"] = null,
        };

        foreach (var (name, value) in message)
        {
            var expected = own.TryGetValue(name, out var mine) ? mine : value;
            if (name == "recipientStates")
            {
                Assert.False(recipient.ContainsKey(name), "recipientStates that the row does not keep");
                continue;
            }

            Assert.True(JsonNode.DeepEquals(expected, recipient[name]), $"{name}: {recipient[name]?.ToJsonString()}, expected {expected?.ToJsonString()}");
        }
    }

    [Fact]
    public void ARecipientsViewHasTheCountsTheMessageRowKeeps()
    {
        var recipient = ApiJson.ToNode(MessageViews.ForRecipient(Message("""{"FAILED":1,"DELIVERED":1}"""), Recipient(), "FAILED"));

        Assert.Equal(1, recipient["recipientStates"]!["DELIVERED"]!.GetValue<int>());
        Assert.Equal(1, recipient["recipientStates"]!["FAILED"]!.GetValue<int>());
    }
}
