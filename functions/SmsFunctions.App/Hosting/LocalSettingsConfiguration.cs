using System.Text.Json;

namespace SmsFunctions.App.Hosting;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> (or, when there is none, the committed
/// <c>local.settings.sample.json</c>) the way Functions Core Tools would, so a plain <c>dotnet run</c> gets the
/// same defaults. Environment variables and the command line still win.
/// </summary>
public static class LocalSettingsConfiguration
{
    public static void AddLocalSettings(this ConfigurationManager configuration)
    {
        var file = FindSettingsFile();
        if (file is null)
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in values.EnumerateObject())
        {
            settings[property.Name.Replace("__", ":", StringComparison.Ordinal)] =
                property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
        }

        // Below environment variables and the command line: insert before the first environment source.
        var sources = configuration.Sources;
        var index = sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource);
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = settings };
        if (index < 0) { sources.Add(source); } else { sources.Insert(index, source); }
    }

    public static string? FindSettingsFile()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (var name in new[] { "local.settings.json", "local.settings.sample.json" })
            {
                var path = Path.Combine(dir.FullName, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }

            if (File.Exists(Path.Combine(dir.FullName, "SmsFunctions.sln")))
            {
                break;
            }
        }

        return null;
    }
}
