using System.Globalization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>A process the harness measures, by label (e.g. <c>app</c>, <c>azurite-table</c>, <c>bearerbox</c>).</summary>
internal readonly record struct MeasuredProcess(string Label, int Pid);

/// <summary>CPU time (user + system) of each measured process and of the whole machine at one moment.</summary>
internal sealed record CpuSnapshot(long TakenAt, IReadOnlyDictionary<string, long> TicksByLabel, long MachineBusyTicks, long MachineTotalTicks);

/// <summary>CPU spent between two snapshots: milliseconds per measured process, and what the rest of the machine
/// (other users' builds, the kernel's idle excluded) spent meanwhile, in cores.</summary>
internal sealed record CpuSpent(double Seconds, IReadOnlyDictionary<string, double> MillisecondsByLabel, double MachineBusyCores, double OtherCores)
{
    public double Total => MillisecondsByLabel.Values.Sum();
}

/// <summary>
/// Reads CPU time from /proc: <c>/proc/&lt;pid&gt;/stat</c> fields 14 and 15 (utime, stime, in clock ticks of
/// <c>getconf CLK_TCK</c>) for each process, and the first line of <c>/proc/stat</c> for the machine. Linux only; on
/// another OS every figure reads zero and the harness says so.
/// </summary>
internal static class ProcessCpu
{
    private static readonly Lazy<int> TicksPerSecondLazy = new(ReadTicksPerSecond);

    public static int TicksPerSecond => TicksPerSecondLazy.Value;

    public static bool Available => File.Exists("/proc/self/stat");

    public static CpuSnapshot Take(IEnumerable<MeasuredProcess> processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        var byLabel = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var process in processes)
        {
            byLabel[process.Label] = byLabel.GetValueOrDefault(process.Label) + (ReadTicks(process.Pid) ?? 0);
        }

        var (busy, total) = ReadMachineTicks();
        return new CpuSnapshot(System.Diagnostics.Stopwatch.GetTimestamp(), byLabel, busy, total);
    }

    public static CpuSpent Between(CpuSnapshot before, CpuSnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var seconds = Math.Max(after.TakenAt - before.TakenAt, 1) / (double)System.Diagnostics.Stopwatch.Frequency;
        var perTick = 1000.0 / TicksPerSecond;
        var spent = after.TicksByLabel.ToDictionary(
            kv => kv.Key, kv => Math.Max(0, kv.Value - before.TicksByLabel.GetValueOrDefault(kv.Key)) * perTick, StringComparer.Ordinal);
        // /proc/stat counts in the same USER_HZ ticks, summed over all cores.
        var machineBusyMs = (after.MachineBusyTicks - before.MachineBusyTicks) * perTick;
        var busyCores = machineBusyMs / 1000.0 / seconds;
        var otherCores = Math.Max(0, (machineBusyMs - spent.Values.Sum()) / 1000.0 / seconds);
        return new CpuSpent(seconds, spent, busyCores, otherCores);
    }

    /// <summary>utime + stime of one process in clock ticks, or null if it is gone.</summary>
    public static long? ReadTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return ParseTicks(stat);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Fields 14 (utime) and 15 (stime) of a /proc/&lt;pid&gt;/stat line. The command name (field 2) is in
    /// parentheses and may itself contain spaces and parentheses, so fields are counted after its last ')'.</summary>
    internal static long? ParseTicks(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var close = stat.LastIndexOf(')');
        if (close < 0) { return null; }
        // After ") ": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13) { return null; }
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Processes whose parent is <paramref name="parentPid"/> and whose command name (/proc/&lt;pid&gt;/comm)
    /// is one of <paramref name="names"/>, labelled by that name: Kannel's bearerbox, smsbox and fakesmsc, which the
    /// Kannel fixture starts as children of the harness.</summary>
    public static IReadOnlyList<MeasuredProcess> ChildrenNamed(int parentPid, params string[] names)
    {
        var found = new List<MeasuredProcess>();
        if (!Available) { return found; }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) { continue; }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                if (close < 0 || open < 0) { continue; }
                var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2 || int.Parse(fields[1], CultureInfo.InvariantCulture) != parentPid) { continue; }
                var comm = stat[(open + 1)..close];
                if (names.Contains(comm, StringComparer.Ordinal)) { found.Add(new MeasuredProcess(comm, pid)); }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        return found;
    }

    private static (long Busy, long Total) ReadMachineTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal [guest guest_nice — already inside user/nice]
            var total = values.Take(8).Sum();
            var idle = values[3] + (values.Length > 4 ? values[4] : 0);
            return (total - idle, total);
        }
        catch (IOException) { return (0, 0); }
        catch (UnauthorizedAccessException) { return (0, 0); }
        catch (InvalidOperationException) { return (0, 0); }
    }

    private static int ReadTicksPerSecond()
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", ["CLK_TCK"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (process is null) { return 100; }
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5_000);
            return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception) { return 100; }
        catch (IOException) { return 100; }
    }
}
