using Azure;
using Azure.Data.Tables;
using SmsFunctions.Core.Lifecycle;
using SmsFunctions.Storage.Messages;
using SmsFunctions.Storage.Tables;

namespace SmsFunctions.App.Pipeline;

/// <summary>
/// Keeps the message row in step with its recipients: first <c>sentAt</c> and <c>deliveredAt</c>, and the state — a
/// single-recipient message takes its recipient's state; a bulk message moves to SENDING here and its final state
/// is rolled up from the recipients when read. Never moves a terminal message; ETag-guarded, re-read on conflict.
/// Stamps of one account that arrive together are written as one entity-group transaction (message rows share the
/// account's partition): a message's stamps were two of its table operations, now a fraction of one.
/// </summary>
public sealed class MessageStamp(MessageStore messages, MessageHeaderCache headers, TimeProvider time)
{
    // One group per partition (account and ~4 s time bucket) while it has stamps in flight; the last caller out
    // removes it, so the map holds only busy partitions, not every partition ever stamped.
    private readonly Dictionary<string, Slot> _groups = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed class Slot(GroupCommit<Stamp> group)
    {
        public GroupCommit<Stamp> Group { get; } = group;

        public int Users;
    }

    /// <summary>Groups alive now (for tests: bounded by the partitions with stamps in flight).</summary>
    internal int LiveGroups
    {
        get
        {
            lock (_gate) { return _groups.Count; }
        }
    }

    private sealed record Stamp(MessageEntity Header, IReadOnlyList<CallbackEvent> Events);

    /// <summary>Stamps the message for <paramref name="events"/>; returns once the row is written (or needed nothing).</summary>
    public Task ApplyAsync(MessageEntity header, IReadOnlyList<CallbackEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0 || Patch(header, events, time.GetUtcNow()) is null)
        {
            return Task.CompletedTask;
        }

        return AddAsync(header.PartitionKey, new Stamp(header, events), cancellationToken);
    }

    private async Task AddAsync(string partitionKey, Stamp stamp, CancellationToken cancellationToken)
    {
        Slot slot;
        lock (_gate)
        {
            if (!_groups.TryGetValue(partitionKey, out slot!))
            {
                slot = new Slot(new GroupCommit<Stamp>(FlushAsync, TableBatchLimit, TimeSpan.FromMilliseconds(2)));
                _groups.Add(partitionKey, slot);
            }
            slot.Users++;
        }

        try
        {
            await slot.Group.AddAsync(stamp, cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                // Every caller waits for the write that carried its stamp, so the last one out leaves the group
                // drained; a later stamp of the partition starts a new group.
                if (--slot.Users == 0)
                {
                    _groups.Remove(partitionKey);
                }
            }
        }
    }

    private const int TableBatchLimit = 100;

    private async Task FlushAsync(IReadOnlyList<Stamp> stamps, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var work = new List<(MessageEntity Current, List<CallbackEvent> Events, TableEntity Patch)>();
        foreach (var message in stamps.GroupBy(s => s.Header.Id, StringComparer.Ordinal))
        {
            var first = message.First().Header;
            var current = await headers.GetAsync(first.AccountId, first.Id, cancellationToken) ?? first;
            var events = message.SelectMany(s => s.Events).ToList();
            if (Patch(current, events, now) is { } patch) { work.Add((current, events, patch)); }
        }

        if (work.Count == 0) { return; }
        if (work.Count > 1 && await messages.TryMergeBatchAsync(work.Select(w => (w.Patch, w.Current.ETag)).ToList(), cancellationToken) is { } etags)
        {
            for (var i = 0; i < work.Count; i++) { Remember(work[i].Current, work[i].Patch, etags[i]); }
            return;
        }

        // One message, or a batch in which some row had changed elsewhere: each on its own, re-read on conflict.
        foreach (var (current, events, _) in work)
        {
            await ApplyOneAsync(current, events, cancellationToken);
        }
    }

    private async Task ApplyOneAsync(MessageEntity header, IReadOnlyList<CallbackEvent> events, CancellationToken cancellationToken)
    {
        var current = header;
        for (var attempt = 0; attempt < 6 && current is not null; attempt++)
        {
            if (Patch(current, events, time.GetUtcNow()) is not { } patch) { return; }
            if (await messages.TryMergeAsync(patch, current.ETag, cancellationToken) is { } etag)
            {
                Remember(current, patch, etag);
                return;
            }

            current = await headers.RefreshAsync(current.AccountId, current.Id, cancellationToken);
        }
    }

    /// <summary>What to merge into <paramref name="current"/> for <paramref name="events"/>; null when nothing changes.</summary>
    private static TableEntity? Patch(MessageEntity current, IReadOnlyList<CallbackEvent> events, DateTimeOffset now)
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
            // Events may come out of order (a receipt can overtake the dispatch outcome): the furthest state wins.
            var next = current.RecipientCount <= 1 ? FromRecipient(Furthest(events)) : MessageState.Sending;
            if (next is { } n && n.ToApiName() != current.State && n != MessageState.Queued && !(state == MessageState.Sent && n == MessageState.Sending))
            {
                patch[nameof(MessageEntity.State)] = n.ToApiName();
                changed = true;
            }
        }

        if (current.DispatchState != DispatchStates.Dispatched) { patch[nameof(MessageEntity.DispatchState)] = DispatchStates.Dispatched; changed = true; }
        if (!changed) { return null; }
        patch[nameof(MessageEntity.UpdatedAt)] = now;
        return patch;
    }

    /// <summary>Keeps the cached copy in step with what was just written.</summary>
    /// <summary>What was merged, applied to this caller's copy and handed to the cache as the latest row.</summary>
    private void Remember(MessageEntity written, TableEntity patch, ETag etag)
    {
        if (patch.TryGetValue(nameof(MessageEntity.SentAt), out var s)) { written.SentAt = (DateTimeOffset?)s; }
        if (patch.TryGetValue(nameof(MessageEntity.DeliveredAt), out var d)) { written.DeliveredAt = (DateTimeOffset?)d; }
        if (patch.TryGetValue(nameof(MessageEntity.State), out var st)) { written.State = (string)st; }
        written.DispatchState = DispatchStates.Dispatched;
        written.ETag = etag;
        headers.Set(written);
    }

    private static string Furthest(IReadOnlyList<CallbackEvent> events)
    {
        var best = events[0].State;
        foreach (var e in events)
        {
            if (Rank(e.State) >= Rank(best)) { best = e.State; }
        }

        return best;
    }

    private static int Rank(string recipientState) => recipientState switch
    {
        "DISPATCHING" => 1,
        "SENT" or "BUFFERED" => 2,
        _ when CallbackEnqueuer.ReportedStates.Contains(recipientState) => 3,
        _ => 0,
    };

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
