using System.Net;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SmsFunctions.Queues.StorageQueues;

namespace SmsFunctions.Queues.DeadLetters;

/// <summary>
/// Our record of given-up messages: a Storage queue <c>{queue}-poison</c> per queue, the Functions convention for
/// queue triggers. Each entry is the message's envelope with its delivery count (<c>n</c>) and the reason (<c>why</c>).
/// Used with either transport (in Azure with Service Bus, on the app's storage account); replay sends through the
/// active transport.
/// </summary>
public sealed class StoragePoisonQueues(QueueServiceClient service) : IDeadLetterSource, IDeadLetterRecorder
{
    public const string Suffix = "-poison";

    /// <summary>Longest reason kept; the entry must stay within a queue message with the body.</summary>
    public const int MaxReasonLength = 1000;

    private static readonly TimeSpan ReplayVisibility = TimeSpan.FromSeconds(60);

    public string Name => DeadLetterSources.Poison;

    public static string PoisonQueueOf(string queueName) => queueName + Suffix;

    public async Task RecordAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var why = reason is { Length: > MaxReasonLength } ? reason[..MaxReasonLength] + "…" : reason;
        var text = QueueMessageEnvelope.Encode(message.Id, message.Body, message.CorrelationId, message.DeliveryCount, why);
        var queue = service.GetQueueClient(PoisonQueueOf(message.QueueName));
        try
        {
            await queue.SendMessageAsync(text, null, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await queue.SendMessageAsync(text, null, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<int?> CountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await service.GetQueueClient(PoisonQueueOf(queueName)).GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return properties.Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return 0; // nothing was ever given up on
        }
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        try
        {
            var peeked = await service.GetQueueClient(PoisonQueueOf(queueName))
                .PeekMessagesAsync(Math.Min(maxMessages, StorageQueueTransport.MaxMessagesPerReceive), cancellationToken).ConfigureAwait(false);
            return [.. peeked.Value.Select(m => ToDeadLetter(queueName, m.MessageId, m.Body?.ToString() ?? string.Empty, m.InsertedOn))];
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }
    }

    public async Task<DeadLetterReplay> ReplayAsync(string queueName, int maxMessages, IQueueSender target, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentNullException.ThrowIfNull(target);
        var poison = service.GetQueueClient(PoisonQueueOf(queueName));
        int replayed = 0, failed = 0;
        while (replayed + failed < maxMessages)
        {
            QueueMessage[] batch;
            try
            {
                var wanted = Math.Min(maxMessages - replayed - failed, StorageQueueTransport.MaxMessagesPerReceive);
                batch = (await poison.ReceiveMessagesAsync(wanted, ReplayVisibility, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
            {
                break;
            }
            if (batch.Length == 0)
            {
                break;
            }
            foreach (var entry in batch)
            {
                var letter = ToDeadLetter(queueName, entry.MessageId, entry.Body?.ToString() ?? string.Empty, entry.InsertedOn);
                try
                {
                    await target.SendAsync(queueName, new OutgoingQueueMessage(ReplayMessageId.For(letter.Id, entry.MessageId), letter.Body, null, letter.CorrelationId), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failed++; // stays in the poison queue, visible again after ReplayVisibility
                    continue;
                }
                try
                {
                    await poison.DeleteMessageAsync(entry.MessageId, entry.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                }
                catch (RequestFailedException)
                {
                    // Sent but not removed: a later replay sends it again under the same derived id (dropped by
                    // Service Bus duplicate detection; handled idempotently otherwise).
                }
                replayed++;
            }
        }
        return new DeadLetterReplay(replayed, failed);
    }

    private static DeadLetteredMessage ToDeadLetter(string queueName, string storageId, string text, DateTimeOffset? insertedOn)
    {
        var envelope = QueueMessageEnvelope.DecodeEnvelope(text);
        return new DeadLetteredMessage(queueName, DeadLetterSources.Poison, envelope.Id ?? storageId, envelope.Body,
            envelope.PriorDeliveries, envelope.Reason, insertedOn, envelope.CorrelationId);
    }
}
