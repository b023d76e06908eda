using System.Text;
using System.Text.Json;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;
using SmsFunctions.Queues.StorageQueues;

namespace SmsFunctions.App.Tests.Triggers;

/// <summary>Invocation bodies in every shape docs/custom-handler-protocol.md shows the Functions host sending.</summary>
public sealed class InvocationDecoderTests
{
    private const string Body = """{"messageId":"msg-1","recipients":["+393331234567"],"text":"Ciao"}""";
    private static readonly QueueFunction Dispatch = new("DispatchHigh", QueueNames.DispatchHigh, typeof(ScriptedQueueHandler));
    private static readonly TimerFunction Sweep = new("Sweep", "0 * * * * *", typeof(ScriptedTimerHandler));
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Quoted(string text) => JsonSerializer.Serialize(text);

    private static ReceivedQueueMessage DecodeQueue(string invocation, string? invocationId = "inv-1")
    {
        using var document = JsonDocument.Parse(invocation);
        return InvocationDecoder.DecodeQueueMessage(document.RootElement, Dispatch, invocationId);
    }

    private static TimerTick DecodeTimer(string invocation)
    {
        using var document = JsonDocument.Parse(invocation);
        return InvocationDecoder.DecodeTimerTick(document.RootElement, Sweep, Now);
    }

    [Fact]
    public void ServiceBusBinaryBodyIsBase64WithQuotedStringsAndNumbersAsStrings()
    {
        var invocation = $$"""
        {
          "Data": { "message": "{{Base64(Body)}}" },
          "Metadata": {
            "DeliveryCount": "2",
            "MessageId": "\"abc\"",
            "LockToken": "\"6f2c1a4e-0000-4000-8000-000000000001\"",
            "ContentType": "\"application/json\"",
            "SequenceNumber": "42",
            "EnqueuedTimeUtc": "\"2025-02-28T10:11:12\"",
            "ExpiresAtUtc": "\"9999-12-31T23:59:59\"",
            "CorrelationId": "\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"",
            "ApplicationProperties": {},
            "UserProperties": {},
            "sys": { "MethodName": "DispatchHigh", "UtcNow": "2025-02-28T10:11:13.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e" }
          }
        }
        """;

        var message = DecodeQueue(invocation);

        Assert.Equal(new ReceivedQueueMessage(
            QueueNames.DispatchHigh,
            "abc",
            Body,
            2,
            "6f2c1a4e-0000-4000-8000-000000000001",
            new DateTimeOffset(2025, 2, 28, 10, 11, 12, TimeSpan.Zero),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), message);
    }

    [Theory]
    [InlineData("""{ "SmsPriorDeliveries": 4 }""", 5)]
    [InlineData("""{ "smspriordeliveries": "4" }""", 5)]
    [InlineData("\"{\\\"SmsPriorDeliveries\\\":4}\"", 5)]
    [InlineData("""{ "SmsPriorDeliveries": -3 }""", 1)]
    [InlineData("""{ "Other": 9 }""", 1)]
    [InlineData("{}", 1)]
    public void AResentServiceBusMessageAddsItsPriorDeliveriesFromApplicationProperties(string applicationProperties, int expected)
    {
        var invocation = $$"""
        {
          "Data": { "message": "{{Base64(Body)}}" },
          "Metadata": { "DeliveryCount": "1", "MessageId": "\"abc~r1\"", "ApplicationProperties": {{applicationProperties}} }
        }
        """;

        Assert.Equal(expected, DecodeQueue(invocation).DeliveryCount);
    }

    [Fact]
    public void APriorDeliveriesKeyInTheBodyIsNotTakenForTheTransports()
    {
        // A JSON string trigger value has its properties merged into Metadata; only ApplicationProperties counts.
        var body = """{"SmsPriorDeliveries":7}""";
        var invocation = $$"""{ "Data": { "message": {{Quoted(body)}} }, "Metadata": { "DeliveryCount": "2", "SmsPriorDeliveries": "7" } }""";

        Assert.Equal(2, DecodeQueue(invocation).DeliveryCount);
    }

    [Fact]
    public void AResentStorageQueueMessageAddsTheEnvelopesPriorDeliveries()
    {
        var envelope = QueueMessageEnvelope.Encode("our-id~r1", Body, null, 3, null);
        var invocation = $$"""{ "Data": { "message": "{{Base64(envelope)}}" }, "Metadata": { "DequeueCount": "2", "PopReceipt": "\"p\"" } }""";

        var message = DecodeQueue(invocation);

        Assert.Equal(("our-id~r1", Body, 5), (message.Id, message.Body, message.DeliveryCount));
    }

    [Fact]
    public void StringBodyEncodedTwiceIsUnwrappedOnce()
    {
        var doubleEncoded = Quoted(Quoted(Body)); // the JSON value is a string whose content is a JSON string
        var invocation = $$"""
        { "Data": { "message": {{doubleEncoded}} }, "Metadata": { "MessageId": "\"abc\"", "DeliveryCount": "1" } }
        """;

        var message = DecodeQueue(invocation);

        Assert.Equal(Body, message.Body);
        Assert.Equal("abc", message.Id);
    }

    [Fact]
    public void DoubleEncodedPlainTextBodyIsUnwrapped()
    {
        var invocation = $$"""{ "Data": { "message": {{Quoted(Quoted("hello, world"))}} }, "Metadata": {} }""";

        Assert.Equal("hello, world", DecodeQueue(invocation).Body);
    }

    [Fact]
    public void PlainObjectValueIsTheBodyAsJsonText()
    {
        var invocation = $$"""{ "Data": { "message": {{Body}} }, "Metadata": { "MessageId": "\"abc\"" } }""";

        var message = DecodeQueue(invocation);

        using var expected = JsonDocument.Parse(Body);
        using var actual = JsonDocument.Parse(message.Body);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, actual.RootElement));
    }

    [Fact]
    public void JsonTextEncodedOnceIsTheBody()
    {
        var invocation = $$"""{ "Data": { "message": {{Quoted(Body)}} }, "Metadata": {} }""";

        Assert.Equal(Body, DecodeQueue(invocation).Body);
    }

    [Fact]
    public void MetadataMergedFromTheBodyIsNotTrustedAsTransportFacts()
    {
        // The body has MessageId and DeliveryCount properties: the host merged them over the real keys.
        const string body = """{"MessageId":"from-body","DeliveryCount":7,"text":"x"}""";
        var invocation = $$"""
        {
          "Data": { "message": {{Quoted(Quoted(body))}} },
          "Metadata": { "MessageId": "from-body", "DeliveryCount": 7, "text": "x", "LockToken": "\"lock-1\"", "EnqueuedTimeUtc": "\"2025-02-28T10:11:12\"" }
        }
        """;

        var message = DecodeQueue(invocation, invocationId: "inv-42");

        Assert.Equal(body, message.Body);
        Assert.Equal("inv-42", message.Id);
        Assert.Equal(1, message.DeliveryCount);
        Assert.Equal("lock-1", message.Receipt);
        Assert.Equal(new DateTimeOffset(2025, 2, 28, 10, 11, 12, TimeSpan.Zero), message.EnqueuedAt);
    }

    [Fact]
    public void MergedKeyWithADifferentValueFromTheBodyIsTheTransportsOwn()
    {
        const string body = """{"MessageId":"from-body"}""";
        var invocation = $$"""
        { "Data": { "message": {{Quoted(Quoted(body))}} }, "Metadata": { "MessageId": "\"sb-id\"", "DeliveryCount": "3" } }
        """;

        var message = DecodeQueue(invocation);

        Assert.Equal("sb-id", message.Id);
        Assert.Equal(3, message.DeliveryCount);
    }

    [Fact]
    public void BinaryBodyIsNeverMergedSoSameValuedKeysAreTrusted()
    {
        const string body = """{"MessageId":"abc"}""";
        var invocation = $$"""{ "Data": { "message": "{{Base64(body)}}" }, "Metadata": { "MessageId": "\"abc\"", "DeliveryCount": "4" } }""";

        var message = DecodeQueue(invocation);

        Assert.Equal("abc", message.Id);
        Assert.Equal(4, message.DeliveryCount);
    }

    [Fact]
    public void MissingOptionalMetadataFallsBackToDefaults()
    {
        var invocation = $$"""{ "Data": { "message": "{{Base64(Body)}}" } }""";

        var message = DecodeQueue(invocation, invocationId: "inv-7");

        Assert.Equal(new ReceivedQueueMessage(QueueNames.DispatchHigh, "inv-7", Body, 1, string.Empty, null, null), message);
    }

    [Fact]
    public void StorageQueueTriggerUsesDequeueCountPopReceiptAndInsertionTimeAndUnwrapsOurEnvelope()
    {
        var envelope = QueueMessageEnvelope.Encode("our-id", Body, "corr-1");
        var invocation = $$"""
        {
          "Data": { "message": "{{Base64(envelope)}}" },
          "Metadata": {
            "DequeueCount": "3",
            "Id": "\"2d8a8a9e-8f1a-4d3e-9f0b-1c2d3e4f5a6b\"",
            "InsertionTime": "\"2025-02-28T10:11:12+00:00\"",
            "ExpirationTime": "\"2025-03-07T10:11:12+00:00\"",
            "NextVisibleTime": "\"2025-02-28T10:21:12+00:00\"",
            "PopReceipt": "\"AgAAAAMAAAAAAAAA\""
          }
        }
        """;

        var message = DecodeQueue(invocation);

        Assert.Equal(new ReceivedQueueMessage(
            QueueNames.DispatchHigh, "our-id", Body, 3, "AgAAAAMAAAAAAAAA", new DateTimeOffset(2025, 2, 28, 10, 11, 12, TimeSpan.Zero), "corr-1"), message);
    }

    [Fact]
    public void StorageQueueMessageWithoutOurEnvelopeKeepsTheStorageId()
    {
        var invocation = $$"""
        { "Data": { "message": "{{Base64("plain")}}" }, "Metadata": { "DequeueCount": "1", "Id": "\"storage-id\"", "PopReceipt": "\"pop\"" } }
        """;

        var message = DecodeQueue(invocation);

        Assert.Equal(("storage-id", "plain", "pop"), (message.Id, message.Body, message.Receipt));
    }

    [Theory]
    [InlineData("\"2025-02-28T10:11:12\"")]
    [InlineData("2025-02-28T10:11:12")]
    [InlineData("\"2025-02-28T10:11:12Z\"")]
    [InlineData("\"2025-02-28T11:11:12+01:00\"")]
    public void DatesWithoutMillisecondsOrZoneAreUtc(string value)
    {
        var invocation = $$"""{ "Data": { "message": "{{Base64(Body)}}" }, "Metadata": { "EnqueuedTimeUtc": {{Quoted(value)}} } }""";

        Assert.Equal(new DateTimeOffset(2025, 2, 28, 10, 11, 12, TimeSpan.Zero), DecodeQueue(invocation).EnqueuedAt);
    }

    [Fact]
    public void NumbersAreAcceptedAsStringsOrAsNumbers()
    {
        Assert.Equal(5, DecodeQueue($$"""{ "Data": { "message": "{{Base64(Body)}}" }, "Metadata": { "DeliveryCount": "5" } }""").DeliveryCount);
        Assert.Equal(5, DecodeQueue($$"""{ "Data": { "message": "{{Base64(Body)}}" }, "Metadata": { "DeliveryCount": 5 } }""").DeliveryCount);
    }

    [Fact]
    public void QuotedMetadataWithEscapesIsUnquotedProperly()
    {
        var invocation = $$"""{ "Data": { "message": "{{Base64(Body)}}" }, "Metadata": { "MessageId": {{Quoted(Quoted("a\"b\\c"))}} } }""";

        Assert.Equal("a\"b\\c", DecodeQueue(invocation).Id);
    }

    [Fact]
    public void SingleBindingUnderAnotherNameIsStillFound()
    {
        var invocation = $$"""{ "Data": { "queueItem": "{{Base64(Body)}}" }, "Metadata": {} }""";

        Assert.Equal(Body, DecodeQueue(invocation).Body);
    }

    [Fact]
    public void NonUtf8Base64IsKeptAsText()
    {
        // "AAEC/w==" decodes to bytes that are not UTF-8: not a base64 body, so the text stands as it came.
        var invocation = """{ "Data": { "message": "AAEC/w==" }, "Metadata": {} }""";

        Assert.Equal("AAEC/w==", DecodeQueue(invocation).Body);
    }

    [Theory]
    [InlineData("""{ "Metadata": {} }""")]
    [InlineData("""{ "Data": "x" }""")]
    [InlineData("""{ "Data": { "message": null } }""")]
    [InlineData("""{ "Data": { "a": "x", "b": "y" } }""")]
    [InlineData("""[1, 2]""")]
    public void InvocationWithoutATriggerValueIsInvalid(string invocation)
    {
        Assert.Throws<InvalidInvocationException>(() => DecodeQueue(invocation));
    }

    [Fact]
    public void TimerWithScheduleStatus()
    {
        const string invocation = """
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": { "Last": "2025-03-01T11:59:00", "Next": "2025-03-01T12:00:00", "LastUpdated": "2025-03-01T11:59:00" },
              "IsPastDue": false
            }
          },
          "Metadata": { "sys": { "MethodName": "Sweep", "UtcNow": "2025-03-01T12:00:00.0123Z" } }
        }
        """;

        Assert.Equal(new TimerTick(Now, IsPastDue: false, Last: new DateTimeOffset(2025, 3, 1, 11, 59, 0, TimeSpan.Zero)), DecodeTimer(invocation));
    }

    [Fact]
    public void TimerWithNullScheduleStatusPastDue()
    {
        const string invocation = """{ "Data": { "timer": { "Schedule": {}, "ScheduleStatus": null, "IsPastDue": true } }, "Metadata": {} }""";

        Assert.Equal(new TimerTick(Now, IsPastDue: true, Last: null), DecodeTimer(invocation));
    }

    [Fact]
    public void TimerWithoutScheduleStatusKey()
    {
        const string invocation = """{ "Data": { "timer": { "Schedule": {}, "IsPastDue": false } } }""";

        Assert.Equal(new TimerTick(Now, IsPastDue: false, Last: null), DecodeTimer(invocation));
    }

    [Fact]
    public void TimerValueEncodedAsJsonTextIsAccepted()
    {
        const string timer = """{"Schedule":{},"ScheduleStatus":{"Last":"2025-03-01T11:59:00"},"IsPastDue":"true"}""";
        var invocation = $$"""{ "Data": { "timer": {{Quoted(Quoted(timer))}} } }""";

        Assert.Equal(new TimerTick(Now, IsPastDue: true, Last: new DateTimeOffset(2025, 3, 1, 11, 59, 0, TimeSpan.Zero)), DecodeTimer(invocation));
    }

    [Fact]
    public void TimerStatusWithTheDefaultDateMeansNoLastRun()
    {
        const string invocation = """{ "Data": { "timer": { "ScheduleStatus": { "Last": "0001-01-01T00:00:00" }, "IsPastDue": false } } }""";

        Assert.Null(DecodeTimer(invocation).Last);
    }
}
