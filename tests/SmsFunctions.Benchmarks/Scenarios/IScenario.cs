namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>How a scenario is run: <see cref="Quick"/> is the CI smoke size (whole harness under 2 minutes);
/// <see cref="OpsOnly"/> (<c>--ops-only</c>) makes <c>storage-ceiling</c> skip the raw Azurite figures and only count
/// the pipeline's storage operations.</summary>
internal sealed record BenchOptions(bool Quick, bool OpsOnly = false, IReadOnlyList<int>? Sizes = null);

/// <summary>One benchmark scenario. It starts and stops everything it needs itself (always, by PID, also on failure
/// or cancellation) and reports through a <see cref="Infrastructure.ScenarioResult"/>.</summary>
internal interface IScenario
{
    string Name { get; }

    Task RunAsync(BenchOptions options, Infrastructure.ScenarioResult result, CancellationToken cancellationToken);
}
