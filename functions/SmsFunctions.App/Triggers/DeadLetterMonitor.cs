using SmsFunctions.Queues;
using SmsFunctions.Queues.DeadLetters;

namespace SmsFunctions.App.Triggers;

/// <summary>
/// Dead letters of every queue the app's functions drain, over every <see cref="IDeadLetterSource"/> (our poison
/// queues; with Service Bus also the broker's dead-letter queues): counts for <c>/api/health</c> (admin callers) and
/// the <c>sms.queue.dead_letters</c> gauge, listing and replay for the admin API. Counts are refreshed by the admin
/// calls and by a background pass every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class DeadLetterMonitor(
    IEnumerable<IDeadLetterSource> sources,
    FunctionCatalog catalog,
    IServiceProvider services,
    ILogger<DeadLetterMonitor> logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<IDeadLetterSource> _sources = [.. sources];

    public bool IsAvailable => _sources.Count > 0;

    /// <summary>The queues drained by the app's functions, in catalog order.</summary>
    public IReadOnlyList<string> Queues => [.. catalog.QueueFunctions.Select(f => f.QueueName).Distinct(StringComparer.Ordinal)];

    public bool IsKnownQueue(string queueName) => Queues.Contains(queueName, StringComparer.Ordinal);

    public IReadOnlyList<string> SourceNames => [.. _sources.Select(s => s.Name)];

    /// <summary>Count per queue and source (null: the source cannot tell, or did not answer); refreshes the gauge.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, int?>>> CountAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, int?>>(StringComparer.Ordinal);
        foreach (var queue in Queues)
        {
            var perSource = new Dictionary<string, int?>(StringComparer.Ordinal);
            foreach (var source in _sources)
            {
                int? count;
                try
                {
                    count = await source.CountAsync(queue, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogCountFailed(logger, ex, source.Name, queue);
                    count = null;
                }
                perSource[source.Name] = count;
                TriggerTelemetry.SetDeadLetterCount(queue, source.Name, count);
            }
            result[queue] = perSource;
        }
        return result;
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string queueName, string? sourceName, int maxMessages, CancellationToken cancellationToken)
    {
        var list = new List<DeadLetteredMessage>();
        foreach (var source in Select(sourceName))
        {
            if (list.Count >= maxMessages)
            {
                break;
            }
            list.AddRange(await source.PeekAsync(queueName, maxMessages - list.Count, cancellationToken).ConfigureAwait(false));
        }
        return list;
    }

    /// <summary>Replays up to <paramref name="maxMessages"/> through the app's queue sender, source by source.</summary>
    public async Task<DeadLetterReplay> ReplayAsync(string queueName, string? sourceName, int maxMessages, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredService<IQueueSender>();
        int replayed = 0, failed = 0;
        foreach (var source in Select(sourceName))
        {
            if (replayed + failed >= maxMessages)
            {
                break;
            }
            var result = await source.ReplayAsync(queueName, maxMessages - replayed - failed, sender, cancellationToken).ConfigureAwait(false);
            LogReplayed(logger, result.Replayed, result.Failed, queueName, source.Name);
            replayed += result.Replayed;
            failed += result.Failed;
        }
        await CountAsync(cancellationToken).ConfigureAwait(false);
        return new DeadLetterReplay(replayed, failed);
    }

    private IEnumerable<IDeadLetterSource> Select(string? sourceName) =>
        sourceName is null ? _sources : _sources.Where(s => string.Equals(s.Name, sourceName, StringComparison.Ordinal));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting the dead letters of {QueueName} in {Source} failed")]
    private static partial void LogCountFailed(ILogger logger, Exception exception, string source, string queueName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Replayed} dead letters of {QueueName} from {Source} ({Failed} could not be sent)")]
    private static partial void LogReplayed(ILogger logger, int replayed, int failed, string queueName, string source);
}

/// <summary>Refreshes the dead-letter gauge every <see cref="DeadLetterMonitor.RefreshInterval"/> (a few count calls a minute).</summary>
internal sealed class DeadLetterGaugeRefresher(DeadLetterMonitor monitor, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!monitor.IsAvailable)
        {
            return;
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await monitor.CountAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(DeadLetterMonitor.RefreshInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
