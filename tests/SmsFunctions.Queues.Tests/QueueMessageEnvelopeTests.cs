using SmsFunctions.Queues.StorageQueues;

namespace SmsFunctions.Queues.Tests;

public sealed class QueueMessageEnvelopeTests
{
    [Theory]
    [InlineData("id", "body", null)]
    [InlineData("id", "", "cid")]
    [InlineData("è", "{\"a\":[1,2]}\n\"quoted\"", "c")]
    public void Encode_then_decode_round_trips(string id, string body, string? cid)
    {
        Assert.Equal((id, body, cid), QueueMessageEnvelope.Decode(QueueMessageEnvelope.Encode(id, body, cid)));
    }

    [Fact]
    public void Encoding_keeps_non_ascii_as_utf8() =>
        Assert.Equal("""{"id":"1","cid":"c","body":"già 你好"}""", QueueMessageEnvelope.Encode("1", "già 你好", "c"));

    [Fact]
    public void Prior_deliveries_and_reason_round_trip_and_are_left_out_when_absent()
    {
        var text = QueueMessageEnvelope.Encode("id", "b", "c", 4, "boom");

        Assert.Equal(new QueueMessageEnvelope.Envelope("id", "b", "c", 4, "boom"), QueueMessageEnvelope.DecodeEnvelope(text));
        Assert.Equal(("id", "b", "c"), QueueMessageEnvelope.Decode(text));
        Assert.Equal("""{"id":"1","body":"x"}""", QueueMessageEnvelope.Encode("1", "x", null, 0, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("{not json")]
    [InlineData("""{"id":"x"}""")]
    [InlineData("""{"body":"x"}""")]
    [InlineData("""{"id":1,"body":"x"}""")]
    [InlineData("""{"id":"x","body":"y","other":true}""")]
    [InlineData("""[{"id":"x","body":"y"}]""")]
    public void Anything_else_is_the_body_itself(string text) =>
        Assert.Equal((null, text, null), QueueMessageEnvelope.Decode(text));

    [Theory]
    [InlineData("0b8e9f5c-1d2a-4c39-9a59-1b3f8c1d2e3f", "AgAAAAMAAAAAAAAA+/x=")]
    [InlineData("id", "pop:with:colons")]
    public void Receipt_carries_message_id_and_pop_receipt(string messageId, string popReceipt) =>
        Assert.Equal((messageId, popReceipt), StorageQueueTransport.DecodeReceipt(StorageQueueTransport.EncodeReceipt(messageId, popReceipt)));

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":pop")]
    [InlineData("id:")]
    public void A_foreign_receipt_is_rejected(string receipt) =>
        Assert.Throws<ArgumentException>(() => StorageQueueTransport.DecodeReceipt(receipt));
}
