namespace SmsFunctions.Queues.DeadLetters;

/// <summary>A message that exceeded its deliveries, as a dead-letter source holds it.</summary>
/// <param name="QueueName">The queue it came from (and goes back to on replay).</param>
/// <param name="Source">Which store holds it: <see cref="DeadLetterSources.Poison"/> or <see cref="DeadLetterSources.ServiceBus"/>.</param>
/// <param name="Id">Our message id.</param>
/// <param name="DeliveryCount">Deliveries it had when it was given up on.</param>
/// <param name="Reason">Why it was given up on, when known.</param>
/// <param name="DeadLetteredAt">When it was dead-lettered, when known.</param>
public sealed record DeadLetteredMessage(
    string QueueName,
    string Source,
    string Id,
    string Body,
    int DeliveryCount,
    string? Reason,
    DateTimeOffset? DeadLetteredAt,
    string? CorrelationId = null);

/// <summary>Names of the dead-letter sources.</summary>
public static class DeadLetterSources
{
    /// <summary>Our own record of messages the trigger runtime gave up on: a Storage queue <c>{queue}-poison</c>.</summary>
    public const string Poison = "poison";

    /// <summary>The Service Bus queue's dead-letter sub-queue (<c>{queue}/$DeadLetterQueue</c>): messages the broker
    /// dead-lettered (MaxDeliveryCount of failed invocations, expiry).</summary>
    public const string ServiceBus = "servicebus-dlq";
}

/// <summary>How a replay went: messages put back on their queue, and those that could not be (left where they were).</summary>
public sealed record DeadLetterReplay(int Replayed, int Failed);
