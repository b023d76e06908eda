namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>Finds the repository root (the folder with SmsFunctions.sln) from the working directory or the binaries,
/// so the harness works from any folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string AppProject => Path.Combine(Root, "functions", "SmsFunctions.App", "SmsFunctions.App.csproj");

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmsFunctions.sln"))) { return dir.FullName; }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (SmsFunctions.sln) above the working directory or the harness binaries.");
    }
}
