using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;

/// <summary>
/// The startup hook (the runtime calls <see cref="Initialize"/> before the app's Main when the app is started with
/// <c>DOTNET_STARTUP_HOOKS=&lt;this dll&gt;</c>). With <c>SMSBENCH_PROBE_FILE</c> set it rewrites that file every
/// 100 ms with cumulative counters read in-process: JIT (<see cref="System.Runtime.JitInfo"/>), first-chance
/// exceptions by type, GC, allocations, thread pool. With <c>SMSBENCH_PROBE_ORIGINS=1</c> it also counts exceptions by
/// where they were thrown (exception type, throwing method, first app frames), for diagnosis. Without the variable
/// it does nothing. The format is one <c>key value</c> or <c>key count text</c> per line (see ProbeReader).
/// </summary>
internal static class StartupHook
{
    private const int MaxOrigins = 500;
    private static readonly ConcurrentDictionary<string, long> ExceptionTypes = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, long> Origins = new(StringComparer.Ordinal);
    private static long _exceptions;
    private static AllocationListener? _allocations;
    [ThreadStatic] private static bool _inHandler;

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable("SMSBENCH_PROBE_FILE");
        if (string.IsNullOrEmpty(path)) { return; }
        var origins = Environment.GetEnvironmentVariable("SMSBENCH_PROBE_ORIGINS") == "1";
        AppDomain.CurrentDomain.FirstChanceException += (_, e) => OnException(e, origins);
        if (origins) { _allocations = new AllocationListener(); }
        var thread = new Thread(() => WriteLoop(path)) { IsBackground = true, Name = "SmsBench probe" };
        thread.Start();
    }

    private static void OnException(FirstChanceExceptionEventArgs e, bool origins)
    {
        if (_inHandler) { return; }
        _inHandler = true;
        try
        {
            Interlocked.Increment(ref _exceptions);
            var type = e.Exception.GetType().FullName ?? "?";
            ExceptionTypes.AddOrUpdate(type, 1, static (_, n) => n + 1);
            if (origins)
            {
                var key = type + " | " + Describe(new StackTrace(2, false));
                if (Origins.Count < MaxOrigins || Origins.ContainsKey(key)) { Origins.AddOrUpdate(key, 1, static (_, n) => n + 1); }
            }
        }
        catch
        {
            // A probe must never change what the app does.
        }
        finally
        {
            _inHandler = false;
        }
    }

    /// <summary>The throwing method, then up to four frames of the app's own code (SmsFunctions.*), async state
    /// machines named after their method.</summary>
    private static string Describe(StackTrace trace)
    {
        var frames = trace.GetFrames();
        var parts = new List<string>(5);
        var appFrames = 0;
        foreach (var frame in frames)
        {
            var method = frame.GetMethod();
            if (method is null) { continue; }
            var name = Name(method);
            // The throw site is the first frame outside the runtime's exception dispatch (System.Runtime.EH,
            // System.Runtime.ExceptionServices.InternalCalls, ExceptionDispatchInfo).
            if (parts.Count == 0)
            {
                if (name.StartsWith("System.Runtime.EH", StringComparison.Ordinal) || name.StartsWith("System.Runtime.ExceptionServices.", StringComparison.Ordinal)) { continue; }
                parts.Add(name);
                continue;
            }

            if (name.StartsWith("SmsFunctions.", StringComparison.Ordinal) && !parts.Contains(name))
            {
                parts.Add(name);
                if (++appFrames == 4) { break; }
            }
        }

        return string.Join(" < ", parts);
    }

    private static string Name(System.Reflection.MethodBase method)
    {
        var type = method.DeclaringType;
        if (type is null) { return method.Name; }
        // <SendAsync>d__12.MoveNext → Outer.SendAsync
        if (type.Name.StartsWith('<') && type.DeclaringType is not null)
        {
            var close = type.Name.IndexOf('>', StringComparison.Ordinal);
            return $"{type.DeclaringType.FullName}.{type.Name[1..close]}";
        }

        return $"{type.FullName}.{method.Name}";
    }

    private static void WriteLoop(string path)
    {
        var temporary = path + ".tmp";
        var text = new StringBuilder();
        while (true)
        {
            try
            {
                text.Clear();
                var c = CultureInfo.InvariantCulture;
                text.Append(c, $"time.ms {Environment.TickCount64}\n");
                text.Append(c, $"jit.methods {System.Runtime.JitInfo.GetCompiledMethodCount()}\n");
                text.Append(c, $"jit.ms {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0.###}\n");
                text.Append(c, $"jit.ilbytes {System.Runtime.JitInfo.GetCompiledILBytes()}\n");
                text.Append(c, $"exceptions {Interlocked.Read(ref _exceptions)}\n");
                text.Append(c, $"gc.gen0 {GC.CollectionCount(0)}\n");
                text.Append(c, $"gc.gen1 {GC.CollectionCount(1)}\n");
                text.Append(c, $"gc.gen2 {GC.CollectionCount(2)}\n");
                text.Append(c, $"gc.pause.ms {GC.GetTotalPauseDuration().TotalMilliseconds:0.###}\n");
                text.Append(c, $"alloc.bytes {GC.GetTotalAllocatedBytes()}\n");
                text.Append(c, $"threadpool.threads {ThreadPool.ThreadCount}\n");
                text.Append(c, $"threadpool.completed {ThreadPool.CompletedWorkItemCount}\n");
                text.Append(c, $"lock.contentions {Monitor.LockContentionCount}\n");
                foreach (var (type, count) in ExceptionTypes) { text.Append(c, $"type {count} {type}\n"); }
                foreach (var (origin, count) in Origins) { text.Append(c, $"origin {count} {origin}\n"); }
                if (_allocations is not null)
                {
                    foreach (var (type, bytes) in _allocations.BytesByType) { text.Append(c, $"alloc {bytes} {type}\n"); }
                }
                File.WriteAllText(temporary, text.ToString());
                File.Move(temporary, path, overwrite: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }

            Thread.Sleep(100);
        }
    }
}

/// <summary>
/// Allocation sampling for diagnosis: the runtime's GCAllocationTick event fires about every 100 KB allocated and
/// names the type of the object that crossed the threshold, so bytes per type are estimated by summing the ticks'
/// amounts. Listening costs a little (GC events at verbose level), so only with SMSBENCH_PROBE_ORIGINS=1.
/// </summary>
internal sealed class AllocationListener : System.Diagnostics.Tracing.EventListener
{
    private const int MaxTypes = 300;

    public ConcurrentDictionary<string, long> BytesByType { get; } = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1); // GC
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null || eventData.PayloadNames is null) { return; }
        var type = "?";
        long amount = 0;
        for (var i = 0; i < eventData.PayloadNames.Count; i++)
        {
            switch (eventData.PayloadNames[i])
            {
                case "TypeName": type = eventData.Payload[i] as string ?? "?"; break;
                case "AllocationAmount64": amount = Convert.ToInt64(eventData.Payload[i], CultureInfo.InvariantCulture); break;
                case "AllocationAmount" when amount == 0: amount = Convert.ToInt64(eventData.Payload[i], CultureInfo.InvariantCulture); break;
            }
        }

        if (BytesByType.Count < MaxTypes || BytesByType.ContainsKey(type)) { BytesByType.AddOrUpdate(type, amount, (_, n) => n + amount); }
    }
}
