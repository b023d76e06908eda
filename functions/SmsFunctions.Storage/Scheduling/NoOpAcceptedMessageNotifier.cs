namespace SmsFunctions.Storage.Scheduling;

/// <summary>The default until the pipeline registers its own: accepted messages wait for the scheduler's sweep.</summary>
public sealed class NoOpAcceptedMessageNotifier : IAcceptedMessageNotifier
{
    public Task NotifyAcceptedAsync(AcceptedMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}
