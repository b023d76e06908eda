using System.Diagnostics;
using System.Runtime.InteropServices;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Benchmarks.Scenarios;

// dotnet run -c Release --project tests/SmsFunctions.Benchmarks -- <scenario> [--quick]
// Exit codes: 0 all ran and nothing broke; 1 the system under test broke (errors, undelivered messages) or could not
// run; 2 usage; 130 interrupted. Slowness never changes the exit code.

IScenario[] scenarios =
[
    new BaselineKannelScenario(),
    new PipelineScenario(),
    new ApiLatencyScenario(),
    new BulkScenario(),
    new StorageCeilingScenario(),
    new EncodingScenario(),
    new InboundScenario(),
];

var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var quick = args.Contains("--quick", StringComparer.Ordinal);
if (names.Length != 1 || (names[0] != "all" && scenarios.All(s => s.Name != names[0])))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/SmsFunctions.Benchmarks -- <scenario> [--quick] [--ops-only] [--sizes=1000,10000,100000]");
    Console.Error.WriteLine("scenarios: " + string.Join(", ", scenarios.Select(s => s.Name)) + ", all");
    return 2;
}

#if DEBUG
Console.Error.WriteLine("warning: the harness is a Debug build; run it with -c Release for figures worth reporting.");
#endif

// Ctrl-C / SIGTERM cancel the run, so every scenario's finally blocks stop what they started; a second signal stops
// the children by PID at once.
using var cancel = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (cancel.IsCancellationRequested)
    {
        ChildProcess.StopAllNow();
        Environment.Exit(130);
    }

    Console.Error.WriteLine("Interrupted: stopping what was started (press Ctrl-C again to force)…");
    cancel.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.StopAllNow();

var overrides = AppHost.AppOverrides();
if (overrides.Count > 0)
{
    Console.WriteLine("app environment overridden (SMSBENCH_APP_…): " + string.Join(", ", overrides.Select(o => o.Name + "=" + o.Value)));
}

var selected = names[0] == "all" ? scenarios : scenarios.Where(s => s.Name == names[0]).ToArray();
// --sizes=1000,100000 limits the bulk scenario to those sizes (for diagnosis; the README's figures use the defaults).
var sizes = args.FirstOrDefault(a => a.StartsWith("--sizes=", StringComparison.Ordinal))?["--sizes=".Length..]
    .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
var options = new BenchOptions(quick, args.Contains("--ops-only", StringComparer.Ordinal), sizes);
var exitCode = 0;
MachineFacts? machine = null;
foreach (var scenario in selected)
{
    var result = new ScenarioResult(scenario.Name);
    var clock = Stopwatch.StartNew();
    try
    {
        Console.WriteLine($"=== {scenario.Name}{(quick ? " (quick)" : "")}");
        await scenario.RunAsync(options, result, cancel.Token);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        result.Failures.Add("interrupted");
        exitCode = 130;
    }
    catch (AppNotReadyException ex)
    {
        // The app could not be built or started, or lacks an endpoint: that is a broken pipeline for the scenarios
        // that need it (storage-ceiling reports it as skipped and never gets here).
        result.Failures.Add("app not ready: " + ex.Message);
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        // Whatever went wrong, the scenario's own finally blocks have stopped its processes; report and go on.
        result.Failures.Add(ex.ToString());
    }

    if (overrides.Count > 0)
    {
        result.Notes.Add("App environment overridden: " + string.Join(", ", overrides.Select(o => o.Name + "=" + o.Value)) + " — not the default configuration.");
    }

    result.Elapsed = clock.Elapsed;
    machine ??= await MachineFacts.CollectAsync(RepositoryPaths.Root, CancellationToken.None);
    Console.WriteLine();
    Console.WriteLine(ResultWriter.Table(result));
    var path = await ResultWriter.WriteAsync(result, machine, quick, CancellationToken.None);
    Console.WriteLine($"written {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
    Console.WriteLine();
    if (result.Failures.Count > 0 && exitCode == 0) { exitCode = 1; }
    if (cancel.IsCancellationRequested) { break; }
}

Console.WriteLine($"machine: {machine?.Cores} cores, {machine?.CpuModel}, {machine?.MemoryMegabytes} MB, {machine?.Os}, {machine?.DotNet}, {machine?.Kannel}, {machine?.Azurite}, commit {machine?.GitCommit}{(machine?.GitDirty == true ? " (dirty)" : "")}");
return exitCode;
