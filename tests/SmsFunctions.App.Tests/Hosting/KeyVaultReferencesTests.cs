using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Hosting;

namespace SmsFunctions.App.Tests.Hosting;

/// <summary>An app setting App Service could not resolve from Key Vault keeps its literal reference text: the app
/// refuses to start with it rather than use it as a password or secret.</summary>
public sealed class KeyVaultReferencesTests
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv-sms.vault.azure.net/secrets/kannel-password/)";

    private static void Start(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        using var provider = new ServiceCollection().AddKeyVaultReferenceCheck(configuration).BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void AnUnresolvedReferenceStopsTheStartAndIsNamedAsAnAppSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Start(
            ("Sms:Carriers:Kannel:Password", Reference),
            ("Sms:Carriers:Kannel:ReceiptSecret", "  " + Reference.ToUpperInvariant()),
            ("Sms:Carriers:Kannel:Username", "sms")));

        Assert.Contains("Sms__Carriers__Kannel__Password, Sms__Carriers__Kannel__ReceiptSecret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Username", error.Message, StringComparison.Ordinal);
        Assert.Contains("Key Vault Secrets User", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolvedSecretsStartAndTheAdminKeyIsLeftToItsOwnRule()
    {
        Start(("Sms:Carriers:Kannel:Password", "s3cret"), ("Sms:AdminApiKey", Reference));

        Assert.Empty(KeyVaultReferences.Unresolved(new ConfigurationBuilder().AddInMemoryCollection(
            [new KeyValuePair<string, string?>("Sms:AdminApiKey", Reference), new KeyValuePair<string, string?>("Sms:Other", "@Microsoft.KeyVaultish")]).Build()));
    }
}
