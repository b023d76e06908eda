using SmsFunctions.Queues;

namespace SmsFunctions.App.Triggers;

/// <summary>One queue a listener polls, with its share of the polls.</summary>
internal sealed record QueueListenerBand(QueueFunction Function, int Weight);

/// <summary>
/// Which listeners the local runtime runs: one for the dispatch bands (high, normal, low — polled by weight, higher
/// first), and one per other queue function (callbacks), each with its own concurrency, so a slow webhook receiver
/// cannot take slots from dispatch and vice versa.
/// </summary>
internal sealed record QueueListenerPlan(string Name, IReadOnlyList<QueueListenerBand> Bands)
{
    public static IReadOnlyList<QueueListenerPlan> Create(IEnumerable<QueueFunction> functions, TriggerRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(options);
        string[] bandOrder = [QueueNames.DispatchHigh, QueueNames.DispatchNormal, QueueNames.DispatchLow];
        int[] bandWeights = [options.HighBandWeight, options.NormalBandWeight, options.LowBandWeight];

        var dispatch = new List<(int Order, QueueListenerBand Band)>();
        var plans = new List<QueueListenerPlan>();
        foreach (var function in functions)
        {
            var order = Array.IndexOf(bandOrder, function.QueueName);
            if (order >= 0 && dispatch.All(d => d.Order != order))
            {
                dispatch.Add((order, new QueueListenerBand(function, bandWeights[order])));
            }
            else
            {
                plans.Add(new QueueListenerPlan(function.FunctionName, [new QueueListenerBand(function, 1)]));
            }
        }
        if (dispatch.Count > 0)
        {
            plans.Insert(0, new QueueListenerPlan("dispatch", [.. dispatch.OrderBy(d => d.Order).Select(d => d.Band)]));
        }
        return plans;
    }
}
