using Azure.Data.Tables;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Keeps the message row in step with its recipients: first <c>sentAt</c> and <c>deliveredAt</c>, and the state — a
/// single-recipient message takes its recipient's state; a bulk message moves to SENDING here and its final state
/// is rolled up from the recipients when read. Never moves a terminal message; ETag-guarded, re-read on conflict.
/// </summary>
public static class MessageStamp
{
    public static async Task ApplyAsync(MessageStore messages, MessageHeaderCache headers, MessageEntity header, IReadOnlyList<CallbackEvent> events, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = header;
        for (var attempt = 0; attempt < 6 && current is not null; attempt++)
        {
            var patch = new TableEntity(current.PartitionKey, current.RowKey);
            var changed = false;
            var sentAt = events.Where(e => e.State is "SENT" or "BUFFERED" or "DELIVERED").Select(e => (DateTimeOffset?)e.At).Min();
            if (current.SentAt is null && sentAt is not null) { patch[nameof(MessageEntity.SentAt)] = sentAt; changed = true; }
            var deliveredAt = events.Where(e => e.State == "DELIVERED").Select(e => (DateTimeOffset?)e.At).Min();
            if (current.DeliveredAt is null && deliveredAt is not null) { patch[nameof(MessageEntity.DeliveredAt)] = deliveredAt; changed = true; }

            var terminal = LifecycleApiNames.TryParseApiName(current.State, out MessageState state) && state.IsTerminal();
            if (!terminal)
            {
                var next = current.RecipientCount <= 1 ? FromRecipient(events[^1].State) : MessageState.Sending;
                if (next is { } n && n.ToApiName() != current.State && n != MessageState.Queued)
                {
                    patch[nameof(MessageEntity.State)] = n.ToApiName();
                    changed = true;
                }
            }

            if (current.DispatchState != DispatchStates.Dispatched) { patch[nameof(MessageEntity.DispatchState)] = DispatchStates.Dispatched; changed = true; }
            if (!changed) { return; }
            patch[nameof(MessageEntity.UpdatedAt)] = time.GetUtcNow();
            if (await messages.TryMergeAsync(patch, current.ETag, cancellationToken) is { } etag)
            {
                // Keep the cached copy in step with what was just written.
                var written = await headers.GetAsync(current.AccountId, current.Id, cancellationToken) ?? current;
                lock (written)
                {
                    if (patch.TryGetValue(nameof(MessageEntity.SentAt), out var s)) { written.SentAt = (DateTimeOffset?)s; }
                    if (patch.TryGetValue(nameof(MessageEntity.DeliveredAt), out var d)) { written.DeliveredAt = (DateTimeOffset?)d; }
                    if (patch.TryGetValue(nameof(MessageEntity.State), out var st)) { written.State = (string)st; }
                    written.DispatchState = DispatchStates.Dispatched;
                    written.ETag = etag;
                }

                return;
            }

            current = await headers.RefreshAsync(current.AccountId, current.Id, cancellationToken);
        }
    }

    private static MessageState? FromRecipient(string recipientState) => recipientState switch
    {
        "DISPATCHING" => MessageState.Sending,
        "SENT" or "BUFFERED" => MessageState.Sent,
        "DELIVERED" => MessageState.Delivered,
        "UNDELIVERED" => MessageState.Undelivered,
        "FAILED" => MessageState.Failed,
        "EXPIRED" => MessageState.Expired,
        "REJECTED" => MessageState.Rejected,
        "CANCELED" => MessageState.Canceled,
        _ => null,
    };
}
