using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>Prints a scenario's figures as a table and writes <c>bench-results/&lt;scenario&gt;.json</c> (in the
/// working directory) with the figures, every run's value, details, the machine facts and the git commit.</summary>
internal static class ResultWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly string[] Header = ["figure", "median", "min", "max", "unit", "runs", "target"];

    public static string Table(ScenarioResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<string[]> { Header.ToArray() };
        foreach (var figure in result.Figures)
        {
            var target = figure.Target is null ? "" : $"{figure.Target} {(figure.TargetMet switch { true => "(met)", false => "(MISSED)", _ => "" })}".Trim();
            rows.Add([figure.Name, Format(figure.Median), Format(figure.Min), Format(figure.Max), figure.Unit,
                figure.Runs.Count.ToString(CultureInfo.InvariantCulture), target]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {result.Scenario} ({result.Elapsed.TotalSeconds:0} s)");
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select((cell, c) => c is >= 1 and <= 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
            if (i == 0)
            {
                text.AppendLine("|" + string.Join("|", widths.Select((w, c) => c is >= 1 and <= 3 ? new string('-', w + 1) + ":" : new string('-', w + 2))) + "|");
            }
        }

        foreach (var note in result.Notes) { text.AppendLine("- " + note); }
        foreach (var skipped in result.Skipped) { text.AppendLine("- SKIPPED: " + skipped); }
        foreach (var failure in result.Failures) { text.AppendLine("- FAILURE: " + failure); }
        return text.ToString();
    }

    public static async Task<string> WriteAsync(ScenarioResult result, MachineFacts machine, bool quick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var folder = Path.Combine(Directory.GetCurrentDirectory(), "bench-results");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, result.Scenario + ".json");
        var document = new
        {
            scenario = result.Scenario,
            quick,
            finishedAt = DateTimeOffset.UtcNow,
            elapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 1),
            passed = result.Failures.Count == 0,
            figures = result.Figures.Select(f => new
            {
                name = f.Name,
                unit = f.Unit,
                median = Round(f.Median),
                min = Round(f.Min),
                max = Round(f.Max),
                runs = f.Runs.Select(Round).ToArray(),
                target = f.Target,
                targetMet = f.TargetMet,
            }),
            details = result.Details,
            notes = result.Notes,
            skipped = result.Skipped,
            failures = result.Failures,
            machine,
        };
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, document, Json, cancellationToken).ConfigureAwait(false);
        return path;
    }

    public static string Format(double value) =>
        double.IsNaN(value) ? "-"
        : Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static double Round(double value) => double.IsNaN(value) || double.IsInfinity(value) ? value : Math.Round(value, 3);
}
