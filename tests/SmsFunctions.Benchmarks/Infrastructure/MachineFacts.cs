using System.Globalization;
using System.Runtime.InteropServices;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>What a reader needs to compare figures between machines: the box, the runtimes and the exact code.</summary>
internal sealed record MachineFacts(
    int Cores,
    string? CpuModel,
    long? MemoryMegabytes,
    string Os,
    string DotNet,
    string? Kannel,
    string? Azurite,
    string? Node,
    string? GitCommit,
    bool? GitDirty)
{
    public static async Task<MachineFacts> CollectAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var commit = await TryRunAsync("git", ["-C", repositoryRoot, "rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false);
        var status = await TryRunAsync("git", ["-C", repositoryRoot, "status", "--porcelain", "--untracked-files=no"], cancellationToken).ConfigureAwait(false);
        var kannel = await TryRunAsync("dpkg-query", ["-W", "-f=${Version}", "kannel"], cancellationToken).ConfigureAwait(false);
        var node = await TryRunAsync("node", ["--version"], cancellationToken).ConfigureAwait(false);
        return new MachineFacts(
            Environment.ProcessorCount,
            ReadCpuModel(),
            ReadMemoryMegabytes(),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            kannel is null ? null : "Kannel " + kannel,
            ReadAzuriteVersion(repositoryRoot),
            node,
            commit,
            status is null ? null : status.Length > 0);
    }

    private static string? ReadCpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long? ReadMemoryMegabytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? null : long.Parse(kb, CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? ReadAzuriteVersion(string repositoryRoot)
    {
        var manifest = Path.Combine(repositoryRoot, "node_modules", "azurite", "package.json");
        if (!File.Exists(manifest)) { return null; }
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var version) ? "Azurite " + version.GetString() : null;
    }

    private static async Task<string?> TryRunAsync(string executable, string[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            var (exit, output) = await ChildProcess.RunAsync(executable, arguments, null, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            if (exit != 0) { return null; }
            // Tail() prefixes a header line; the command's own output follows it.
            return string.Join('\n', output.Split('\n').Skip(1)).Trim();
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
        catch (TimeoutException) { return null; }
    }
}
