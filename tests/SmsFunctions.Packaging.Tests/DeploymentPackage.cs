using System.Diagnostics;
using System.IO.Compression;

namespace SmsFunctions.Packaging.Tests;

/// <summary>
/// Runs infra/publish.sh once for the whole collection into a temporary folder and opens the zip it
/// produced. Publishing self-contained + ReadyToRun takes a while; every test only reads the result.
/// </summary>
public sealed class DeploymentPackage : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(9);

    private readonly string outputDirectory =
        Path.Combine(Path.GetTempPath(), "smsfunctions-packaging-" + Guid.NewGuid().ToString("N"));

    private ZipArchive? archive;

    public ZipArchive Archive => archive ?? throw new InvalidOperationException("The package was not built.");

    public string ZipPath => Path.Combine(outputDirectory, "smsfunctions.zip");

    public ZipArchiveEntry? Entry(string fullName) => Archive.GetEntry(fullName);

    public string ReadText(string fullName)
    {
        var entry = Entry(fullName) ?? throw new InvalidOperationException($"{fullName} is not in the package.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(outputDirectory);
        var startInfo = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryLayout.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(RepositoryLayout.PublishScript);
        startInfo.Environment["PUBLISH_OUTPUT_DIR"] = outputDirectory;

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bash did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"infra/publish.sh did not finish within {PublishTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"infra/publish.sh exited with {process.ExitCode}.\n{await stdout}\n{await stderr}");
        }

        archive = ZipFile.OpenRead(ZipPath);
    }

    public ValueTask DisposeAsync()
    {
        archive?.Dispose();
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DeploymentPackageCollection : ICollectionFixture<DeploymentPackage>
{
    public const string Name = "deployment package";
}
