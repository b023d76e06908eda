namespace SmsFunctions.App.Triggers;

/// <summary>Every queue and timer function the app serves, by name (case-insensitive, as the host's routes are).</summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, QueueFunction> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, TimerFunction> _timers = new(StringComparer.OrdinalIgnoreCase);

    public FunctionCatalog(IEnumerable<QueueFunction> queueFunctions, IEnumerable<TimerFunction> timerFunctions)
    {
        ArgumentNullException.ThrowIfNull(queueFunctions);
        ArgumentNullException.ThrowIfNull(timerFunctions);
        foreach (var function in queueFunctions)
        {
            EnsureUnique(function.FunctionName);
            _queues.Add(function.FunctionName, function);
        }
        foreach (var function in timerFunctions)
        {
            EnsureUnique(function.FunctionName);
            _timers.Add(function.FunctionName, function);
        }
        QueueFunctions = [.. _queues.Values];
        TimerFunctions = [.. _timers.Values];
    }

    public IReadOnlyList<QueueFunction> QueueFunctions { get; }

    public IReadOnlyList<TimerFunction> TimerFunctions { get; }

    public bool TryGetQueueFunction(string functionName, out QueueFunction function) =>
        _queues.TryGetValue(functionName, out function!);

    public bool TryGetTimerFunction(string functionName, out TimerFunction function) =>
        _timers.TryGetValue(functionName, out function!);

    private void EnsureUnique(string functionName)
    {
        if (_queues.ContainsKey(functionName) || _timers.ContainsKey(functionName))
        {
            throw new InvalidOperationException($"The function '{functionName}' is registered twice.");
        }
    }
}
