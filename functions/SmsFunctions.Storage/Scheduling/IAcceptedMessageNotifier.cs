namespace SmsFunctions.Storage.Scheduling;

/// <summary>
/// Told about every accepted, sendable message right after it is persisted, so the pipeline can enqueue it at once.
/// Best effort: the API never fails a request because of it — the Schedule row is the durable outbox, and the
/// pipeline's sweep picks up whatever a notifier missed.
/// </summary>
public interface IAcceptedMessageNotifier
{
    Task NotifyAcceptedAsync(AcceptedMessage message, CancellationToken cancellationToken);
}
