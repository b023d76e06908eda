using System.Threading.Channels;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers.Fakes;

/// <summary>What the fake handlers do and what they saw; a singleton shared by the scoped handler instances.</summary>
public sealed class QueueHandlerScript
{
    private int _running;
    private int _maxRunning;

    public Func<ReceivedQueueMessage, CancellationToken, Task<QueueHandlingResult>> OnHandle { get; set; } =
        (_, _) => Task.FromResult(QueueHandlingResult.Completed);

    public Func<ReceivedQueueMessage, string, CancellationToken, Task> OnPoison { get; set; } = (_, _, _) => Task.CompletedTask;

    public Channel<ReceivedQueueMessage> Handled { get; } = Channel.CreateUnbounded<ReceivedQueueMessage>();

    public Channel<(ReceivedQueueMessage Message, string Reason)> Poisoned { get; } = Channel.CreateUnbounded<(ReceivedQueueMessage, string)>();

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    internal async Task<QueueHandlingResult> HandleAsync(ReceivedQueueMessage message, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }
        try
        {
            Handled.Writer.TryWrite(message);
            return await OnHandle(message, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    internal async Task PoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken)
    {
        Poisoned.Writer.TryWrite((message, reason));
        await OnPoison(message, reason, cancellationToken);
    }
}

public sealed class ScriptedQueueHandler(QueueHandlerScript script) : IQueueMessageHandler
{
    public Task<QueueHandlingResult> HandleAsync(ReceivedQueueMessage message, CancellationToken cancellationToken) =>
        script.HandleAsync(message, cancellationToken);

    public Task HandlePoisonAsync(ReceivedQueueMessage message, string reason, CancellationToken cancellationToken) =>
        script.PoisonAsync(message, reason, cancellationToken);
}
