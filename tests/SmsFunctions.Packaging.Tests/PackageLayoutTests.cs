using System.Text.Json.Nodes;

namespace SmsFunctions.Packaging.Tests;

[Collection(DeploymentPackageCollection.Name)]
public sealed class PackageLayoutTests(DeploymentPackage package)
{
    private const string Executable = "SmsFunctions.App";

    [Fact]
    public void HostJsonIsAtTheRootAsCommitted()
    {
        Assert.NotNull(package.Entry("host.json"));
        Assert.Equal(File.ReadAllText(RepositoryLayout.HostJson), package.ReadText("host.json"));
    }

    [Fact]
    public void ExecutableIsAtTheRootAsALinuxBinaryWithItsExecuteBit()
    {
        var entry = package.Entry(Executable);
        Assert.NotNull(entry);

        var mode = UnixMode.Of(entry);
        Assert.True(UnixMode.IsRegularFile(mode), $"{Executable} has mode {Convert.ToString(mode, 8)}, not a regular file.");
        Assert.True(UnixMode.IsExecutableByAll(mode), $"{Executable} has mode {Convert.ToString(mode, 8)}, not executable.");

        Span<byte> magic = stackalloc byte[4];
        using var stream = entry.Open();
        stream.ReadExactly(magic);
        Assert.True(magic.SequenceEqual("\u007fELF"u8), $"{Executable} is not an ELF executable.");
    }

    [Fact]
    public void HostStartsAnExecutableThatIsInThePackage()
    {
        var host = JsonNode.Parse(package.ReadText("host.json"))!;
        var path = host["customHandler"]?["description"]?["defaultExecutablePath"]?.GetValue<string>();

        Assert.Equal(Executable, path);
        var entry = package.Entry(path!);
        Assert.NotNull(entry);
        Assert.True(UnixMode.IsExecutableByOwner(UnixMode.Of(entry)), $"{path} named by host.json is not executable.");
    }

    [Fact]
    public void PackageIsSelfContainedForLinux()
    {
        // The Flex Consumption "custom" runtime has no .NET installed: the runtime must travel along.
        Assert.NotNull(package.Entry("libcoreclr.so"));
        Assert.NotNull(package.Entry("libhostfxr.so"));
        Assert.NotNull(package.Entry("Microsoft.AspNetCore.dll"));
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void EveryFunctionDefinitionIsAFolderAtTheRoot(string functionName)
    {
        var entryName = $"{functionName}/function.json";
        Assert.NotNull(package.Entry(entryName));
        var source = Path.Combine(RepositoryLayout.FunctionDefinitions, functionName, "function.json");
        Assert.Equal(File.ReadAllText(source), package.ReadText(entryName));
    }

    [Fact]
    public void EveryFunctionJsonInThePackageBelongsToADefinedFunction()
    {
        var defined = RepositoryLayout.FunctionNames();
        var packaged = package.Archive.Entries
            .Where(entry => entry.Name == "function.json")
            .Select(entry => entry.FullName)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(defined.Select(name => $"{name}/function.json"), packaged);
    }

    [Fact]
    public void EntriesUseForwardSlashesAndStayInsideThePackage()
    {
        Assert.All(package.Archive.Entries, entry =>
        {
            Assert.DoesNotContain('\\', entry.FullName);
            Assert.False(entry.FullName.StartsWith('/'), $"{entry.FullName} is absolute.");
            Assert.DoesNotContain("..", entry.FullName.Split('/'));
        });
    }

    public static TheoryData<string> FunctionNames() => new(RepositoryLayout.FunctionNames());
}
