using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using SmsFunctions.Benchmarks.Infrastructure;
using SmsFunctions.Storage.Emulator;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Scenario 5, <c>storage-ceiling</c>: what raw Azurite sustains on this machine (fresh instance, disk mode), then —
/// when the app runs — how many table and queue operations the pipeline spends per delivered message, counted by a
/// proxy between the app and Azurite, and the message rate those two figures allow: the best the pipeline could do
/// on this storage.
/// </summary>
internal sealed class StorageCeilingScenario : IScenario
{
    private const int Runs = 3;
    private const int InsertConcurrency = 16;
    private const int BatchConcurrency = 8;
    private const int BatchSize = 100;
    private const int QueueConcurrency = 16;

    public string Name => "storage-ceiling";

    public async Task RunAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        var raw = options.OpsOnly ? null : await MeasureRawAsync(options, result, cancellationToken).ConfigureAwait(false);
        await MeasurePipelineCostAsync(options, result, raw, cancellationToken).ConfigureAwait(false);
    }

    private sealed record RawCeiling(double InsertsPerSecond, double ConcurrentInsertsPerSecond, double BatchEntitiesPerSecond, double QueueCyclesPerSecond);

    private static async Task<RawCeiling> MeasureRawAsync(BenchOptions options, ScenarioResult result, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "smsfunctions-bench-azurite-" + Guid.NewGuid().ToString("N"));
        var azurite = await AzuriteProcess.StartAsync(AzuriteProcess.FreeEndpoints(), folder, cancellationToken: cancellationToken, tablesInMemory: true).ConfigureAwait(false);
        try
        {
            var connection = azurite.Endpoints.ConnectionString;
            var tables = new TableServiceClient(connection);
            var queues = new QueueServiceClient(connection);
            var scale = options.Quick ? 1 : 4;
            var deadline = options.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20);
            var table = 0;

            var sequential = await RepeatAsync("table insert, one at a time", () =>
                InsertAsync(tables, "seq" + table++, 400 * scale, 1, deadline, cancellationToken), cancellationToken).ConfigureAwait(false);
            var concurrent = await RepeatAsync($"table insert, {InsertConcurrency} concurrent", () =>
                InsertAsync(tables, "par" + table++, 800 * scale, InsertConcurrency, deadline, cancellationToken), cancellationToken).ConfigureAwait(false);
            var batches = await RepeatAsync($"{BatchSize}-entity batch, {BatchConcurrency} concurrent", () =>
                BatchInsertAsync(tables, "bat" + table++, 25 * scale, deadline, cancellationToken), cancellationToken).ConfigureAwait(false);
            var cycles = await RepeatAsync($"queue send+receive+delete, {QueueConcurrency} concurrent", () =>
                QueueCyclesAsync(queues, "q" + table++, 400 * scale, deadline, cancellationToken), cancellationToken).ConfigureAwait(false);

            result.Figures.Add(new Figure("table insert, one at a time", "entities/s", sequential));
            result.Figures.Add(new Figure($"table insert, {InsertConcurrency} concurrent", "entities/s", concurrent));
            result.Figures.Add(new Figure($"{BatchSize}-entity batch insert, {BatchConcurrency} concurrent", "entities/s", batches));
            result.Figures.Add(new Figure($"{BatchSize}-entity batch insert, {BatchConcurrency} concurrent", "batches/s", batches.Select(b => b / BatchSize)));
            result.Figures.Add(new Figure($"queue send+receive+delete, {QueueConcurrency} concurrent", "cycles/s", cycles));
            result.Notes.Add("Raw Azurite: fresh instance in a throwaway folder (disk mode), a new table/queue per run, entities of ~200 bytes; each figure is the median of 3 runs after a warm-up.");
            return new RawCeiling(Stats.Median(sequential), Stats.Median(concurrent), Stats.Median(batches), Stats.Median(cycles));
        }
        finally
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Runs the pipeline through the counting proxy and divides. Skipped (not failed) when the app is not
    /// ready: the raw figures stand on their own.</summary>
    private static async Task MeasurePipelineCostAsync(BenchOptions options, ScenarioResult result, RawCeiling? raw, CancellationToken cancellationToken)
    {
        var count = options.Quick ? 100 : 500;
        PipelineEnvironment environment;
        try
        {
            environment = await PipelineEnvironment.StartAsync(32, countStorage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (AppNotReadyException ex)
        {
            result.Skipped.Add("storage operations per message: the app is not ready — " + FirstLine(ex.Message));
            return;
        }

        try
        {
            Console.WriteLine($"storage-ceiling: counting storage operations for {count} messages through the pipeline");
            var warmUp = await PipelineDriver.RunAsync(environment, 20, 8, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            if (!warmUp.Complete)
            {
                result.Failures.Add("pipeline warm-up (behind the counting proxy) incomplete: " + warmUp + " " + string.Join("; ", warmUp.SampleErrors) + "; " + environment.Diagnose());
                return;
            }

            var before = environment.Proxy!.Snapshot();
            var clock = Stopwatch.StartNew();
            var run = await PipelineDriver.RunAsync(environment, count, 16, TimeSpan.FromSeconds(options.Quick ? 40 : 120), cancellationToken).ConfigureAwait(false);
            var spent = StorageCountingProxy.Difference(environment.Proxy.Snapshot(), before);
            var window = clock.Elapsed;
            if (!run.Complete)
            {
                result.Failures.Add("pipeline behind the counting proxy did not deliver everything: " + run + " " + string.Join("; ", run.SampleErrors) + "; " + environment.Diagnose());
            }

            var delivered = Math.Max(run.CalledBack, 1);
            double PerMessage(Func<string, bool> which) => spent.Where(kv => which(kv.Key)).Sum(kv => kv.Value) / (double)delivered;
            var tableOps = PerMessage(k => k.StartsWith("table", StringComparison.Ordinal));
            var queueOps = PerMessage(k => k.StartsWith("queue", StringComparison.Ordinal));
            var queueWorkOps = PerMessage(k => k.StartsWith("queue", StringComparison.Ordinal) && k != "queue receive (empty)");

            result.Figures.Add(Figure.Single("table operations per delivered message", "ops", tableOps, "≤ 4", tableOps <= 4));
            result.Figures.Add(Figure.Single("queue operations per delivered message", "ops", queueOps, "≤ 1", queueOps <= 1));
            result.Figures.Add(Figure.Single("queue operations per delivered message, without empty polls", "ops", queueWorkOps, "≤ 1", queueWorkOps <= 1));

            result.Details["operationsSpent"] = spent;
            result.Details["operationsPerDeliveredMessage"] = spent.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / (double)delivered, 3), StringComparer.Ordinal);
            result.Details["countedWindowSeconds"] = Math.Round(window.TotalSeconds, 1);
            result.Details["countedRun"] = run with { LatenciesMs = [] };
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Operations counted by a reverse proxy between the app and Azurite over {window.TotalSeconds:0.0} s while {delivered} messages went from POST to DELIVERED callback (after a 20-message warm-up); idle queue polling in that window is included and also shown apart (\"queue receive (empty)\"). Breakdown per message: {string.Join(", ", spent.Select(kv => $"{kv.Key} {kv.Value / (double)delivered:0.##}"))}."));
            if (raw is null) { return; }

            // A queue cycle is three operations (send, receive, delete); table operations are bounded by the
            // concurrent single-entity insert rate (batches count as one operation each).
            var tableCeiling = tableOps > 0 ? raw.ConcurrentInsertsPerSecond / tableOps : double.PositiveInfinity;
            var queueCeiling = queueWorkOps > 0 ? raw.QueueCyclesPerSecond * 3 / queueWorkOps : double.PositiveInfinity;
            result.Figures.Add(Figure.Single("pipeline ceiling from table operations", "msg/s", tableCeiling));
            result.Figures.Add(Figure.Single("pipeline ceiling from queue operations", "msg/s", queueCeiling));
            result.Figures.Add(Figure.Single("pipeline ceiling on this storage (lower of the two)", "msg/s", Math.Min(tableCeiling, queueCeiling), "≥ 500", Math.Min(tableCeiling, queueCeiling) >= 500));
        }
        finally
        {
            await environment.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<double[]> RepeatAsync(string what, Func<Task<double>> measure, CancellationToken cancellationToken)
    {
        _ = await measure().ConfigureAwait(false); // warm-up: JIT, connections, Azurite's first table/queue
        var runs = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            runs[i] = await measure().ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what}: {string.Join(", ", runs.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} per s"));
        return runs;
    }

    private static TableEntity Entity(string partition, int row) => new(partition, row.ToString("D8", CultureInfo.InvariantCulture))
    {
        ["State"] = "QUEUED",
        ["Recipient"] = "+393331234567",
        ["Body"] = "Benchmark message body of a typical length for a notification, about one SMS part long.",
        ["Parts"] = 1,
        ["CreatedAt"] = DateTimeOffset.UtcNow,
    };

    private static async Task<double> InsertAsync(TableServiceClient service, string name, int count, int concurrency, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var table = service.GetTableClient(name);
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await LoadDriver.ClosedLoopAsync(count, concurrency, deadline, async (i, ct) =>
        {
            var response = await table.AddEntityAsync(Entity("p" + (i % 16).ToString(CultureInfo.InvariantCulture), i), ct).ConfigureAwait(false);
            return response.Status == 204;
        }, cancellationToken).ConfigureAwait(false);
        return outcome.SucceededPerSecond;
    }

    private static async Task<double> BatchInsertAsync(TableServiceClient service, string name, int batches, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var table = service.GetTableClient(name);
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var outcome = await LoadDriver.ClosedLoopAsync(batches, BatchConcurrency, deadline, async (b, ct) =>
        {
            // One partition per batch: Azure rejects a transaction spanning partitions (Azurite would not).
            var partition = "b" + b.ToString(CultureInfo.InvariantCulture);
            var actions = Enumerable.Range(0, BatchSize).Select(i => new TableTransactionAction(TableTransactionActionType.Add, Entity(partition, i)));
            var response = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            return response.Value.Count == BatchSize;
        }, cancellationToken).ConfigureAwait(false);
        return outcome.SucceededPerSecond * BatchSize;
    }

    private static async Task<double> QueueCyclesAsync(QueueServiceClient service, string name, int cycles, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var queue = service.GetQueueClient(name);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var payload = new string('x', 200);
        var outcome = await LoadDriver.ClosedLoopAsync(cycles, QueueConcurrency, deadline, async (_, ct) =>
        {
            await queue.SendMessageAsync(payload, ct).ConfigureAwait(false);
            // Another worker may have taken "our" message; any message completes a cycle. Bounded retries.
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var received = await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                if (received.Value.Length == 1)
                {
                    await queue.DeleteMessageAsync(received.Value[0].MessageId, received.Value[0].PopReceipt, ct).ConfigureAwait(false);
                    return true;
                }
            }

            return false;
        }, cancellationToken).ConfigureAwait(false);
        return outcome.SucceededPerSecond;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
