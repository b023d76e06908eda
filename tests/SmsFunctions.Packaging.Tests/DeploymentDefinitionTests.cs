using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SmsFunctions.Packaging.Tests;

/// <summary>What <c>azd up</c> reads (azure.yaml, the Bicep and its parameters), checked against how azd and the
/// Functions platform use it: azd takes <c>dist</c> relative to the directory it runs in and deploys a <c>.zip</c> as
/// it is; service hooks run in the service's <c>project</c> folder.</summary>
[Collection(DeploymentPackageCollection.Name)]
public sealed partial class DeploymentDefinitionTests(DeploymentPackage package)
{
    private static string ApiService(string key)
    {
        var match = Regex.Match(File.ReadAllText(RepositoryLayout.AzureYaml), $@"(?m)^\s+{Regex.Escape(key)}:\s*(?<value>\S+)\s*$");
        Assert.True(match.Success, $"azure.yaml has no `{key}:` in its service.");
        return match.Groups["value"].Value;
    }

    [Fact]
    public void DistResolvedFromTheRepositoryRootIsTheZipPublishShWrites()
    {
        var dist = ApiService("dist");
        var script = File.ReadAllText(RepositoryLayout.PublishScript);

        // Where publish.sh writes when PUBLISH_OUTPUT_DIR is not set (as under azd), by the name the package fixture opened.
        Assert.Contains("artifacts=\"$repo_root/artifacts\"", script, StringComparison.Ordinal);
        Assert.Contains("output_dir=\"${PUBLISH_OUTPUT_DIR:-$artifacts}\"", script, StringComparison.Ordinal);
        var written = Path.Combine(RepositoryLayout.Root, "artifacts", Path.GetFileName(package.ZipPath));
        Assert.Equal(written, Path.GetFullPath(dist, RepositoryLayout.Root));
        // A .zip is deployed as is, so the execute bit publish.sh gave the handler survives whatever azd version runs.
        Assert.Equal(".zip", Path.GetExtension(dist));
        Assert.True(File.Exists(package.ZipPath));
    }

    [Fact]
    public void ThePrepackageHookRunsPublishShFromTheServiceFolder()
    {
        var project = Path.GetFullPath(ApiService("project"), RepositoryLayout.Root);
        var run = Regex.Match(File.ReadAllText(RepositoryLayout.AzureYaml), @"(?m)^\s+run:\s*bash\s+(?<script>\S+)\s*$");

        Assert.True(run.Success, "azure.yaml's prepackage hook does not run a script with bash.");
        Assert.Equal(RepositoryLayout.PublishScript, Path.GetFullPath(run.Groups["script"].Value, project));
    }

    [Fact]
    public void TheCustomLanguageAlphaFeatureIsDocumentedWhereAzdUpIsExplained()
    {
        Assert.Equal("custom", ApiService("language"));
        Assert.Contains("azd config set alpha.language.custom on", File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultCarrierIsARequiredChoiceWithoutADefault()
    {
        var bicep = File.ReadAllText(RepositoryLayout.MainBicep);
        var declaration = Regex.Match(bicep, @"(?m)^param defaultCarrier string(?<default>\s*=.*)?$");
        var parameters = JsonNode.Parse(File.ReadAllText(RepositoryLayout.MainParameters))!;

        Assert.True(declaration.Success, "infra/main.bicep declares no defaultCarrier parameter.");
        Assert.False(declaration.Groups["default"].Success, "defaultCarrier has a default value.");
        Assert.Contains("@allowed(['Kannel', 'Sandbox'])", bicep, StringComparison.Ordinal);
        // No `=default` in the azd mapping either, so azd asks when SMS_DEFAULT_CARRIER is not set.
        Assert.Equal("${SMS_DEFAULT_CARRIER}", parameters["parameters"]!["defaultCarrier"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void TheScaleControllersRoleIsGrantedOnEachTriggeredQueueNotOnTheNamespace()
    {
        var rbac = File.ReadAllText(RepositoryLayout.RbacBicep);

        Assert.Contains("serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'", rbac, StringComparison.Ordinal);
        var assignment = Regex.Match(rbac, @"resource queueOwnerAssignments [^\n]*\n(?<body>(?:.*\n)*?)\]", RegexOptions.None);
        Assert.True(assignment.Success, "rbac.bicep has no queueOwnerAssignments.");
        Assert.Contains("scope: triggeredQueues[i]", assignment.Groups["body"].Value, StringComparison.Ordinal);
        Assert.Contains("roles.serviceBusDataOwner", assignment.Groups["body"].Value, StringComparison.Ordinal);
        Assert.DoesNotContain("roles.serviceBusDataOwner", Regex.Match(rbac, @"var serviceBusRoles = \[[^\]]*\]").Value, StringComparison.Ordinal);
        Assert.Contains("queueNames: queueNames", Regex.Match(File.ReadAllText(RepositoryLayout.MainBicep), @"module rbac [^\n]*\n(?:.*\n)*?\}\n").Value, StringComparison.Ordinal);
    }
}
