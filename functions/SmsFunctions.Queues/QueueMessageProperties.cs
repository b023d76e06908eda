namespace SmsFunctions.Queues;

/// <summary>Names of the application properties our messages carry besides their body.</summary>
public static class QueueMessageProperties
{
    /// <summary>Deliveries before the message was re-sent (see <see cref="OutgoingQueueMessage.PriorDeliveries"/>):
    /// a Service Bus application property (<c>ServiceBusMessage.ApplicationProperties</c> when sent,
    /// <c>Metadata.ApplicationProperties</c> in a host invocation).</summary>
    public const string PriorDeliveries = "SmsPriorDeliveries";

    /// <summary>Prior deliveries read tolerantly; negative or absurd values count as none.</summary>
    public static int NormalizePriorDeliveries(long value) => value is > 0 and < 1_000_000 ? (int)value : 0;
}
