namespace SmsFunctions.Packaging.Tests;

/// <summary>Paths in the repository the package is built from.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string PublishScript => Path.Combine(Root, "infra", "publish.sh");

    public static string HostJson => Path.Combine(Root, "host.json");

    public static string FunctionDefinitions =>
        Path.Combine(Root, "functions", "SmsFunctions.App", "FunctionDefinitions");

    public static string MainBicep => Path.Combine(Root, "infra", "main.bicep");

    public static string FunctionAppBicep => Path.Combine(Root, "infra", "modules", "functionapp.bicep");

    public static string RbacBicep => Path.Combine(Root, "infra", "modules", "rbac.bicep");

    public static string MainParameters => Path.Combine(Root, "infra", "main.parameters.json");

    public static string AzureYaml => Path.Combine(Root, "azure.yaml");

    /// <summary>The folder names under FunctionDefinitions, i.e. the function names the host will see.</summary>
    public static IReadOnlyList<string> FunctionNames() =>
        Directory.GetDirectories(FunctionDefinitions)
            .Where(directory => File.Exists(Path.Combine(directory, "function.json")))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SmsFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No SmsFunctions.sln above {AppContext.BaseDirectory}.");
    }
}
