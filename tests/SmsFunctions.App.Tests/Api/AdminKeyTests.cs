using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;

namespace SmsFunctions.App.Tests.Api;

/// <summary>The admin key is checked when the app starts: long enough, not the sample outside Development, resolved.</summary>
public sealed class AdminKeyTests
{
    private const string GoodKey = "a-random-admin-key-of-32-chars-x";

    private static ValidateOptionsResult Validate(string? key, string environment = "Production", IDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?> { ["Sms:AdminApiKey"] = key }).Build();
        var host = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = environment };
        return new ApiOptionsValidator(host, configuration).Validate(null, new ApiOptions { AdminApiKey = key });
    }

    [Fact]
    public void AKeyOf32CharactersIsAccepted() => Assert.True(Validate(GoodKey).Succeeded);

    [Fact]
    public void NoKeyIsAcceptedAndLeavesTheAdminEndpointsClosed() => Assert.True(Validate(null).Succeeded);

    [Fact]
    public void AShortKeyIsRefused()
    {
        var result = Validate(GoodKey[..31]);
        Assert.True(result.Failed);
        Assert.Contains("at least 32", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void TheSampleKeyIsRefusedOutsideDevelopment(string environment)
    {
        var result = Validate(ApiOptionsValidator.SampleAdminKey, environment);
        Assert.True(result.Failed);
        Assert.Contains("sample key", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSampleKeyIsAcceptedInDevelopment() => Assert.True(Validate(ApiOptionsValidator.SampleAdminKey, Environments.Development).Succeeded);

    [Fact]
    public void AnUnresolvedKeyVaultReferenceIsRefusedAndNamed()
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/Sms--AdminApiKey/)";
        var result = Validate(reference, settings: new Dictionary<string, string?>
        {
            ["Sms:AdminApiKey"] = reference,
            ["Sms:Carriers:Kannel:Password"] = "@Microsoft.KeyVault(VaultName=kv;SecretName=kannel)",
        });

        Assert.True(result.Failed);
        Assert.Contains("Sms:AdminApiKey", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Sms:Carriers:Kannel:Password", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Key Vault", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAppDoesNotStartWithAShortAdminKey()
    {
        var builder = SmsFunctionsApp.CreateBuilder(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sms:AdminApiKey"] = "short-key",
                ["Sms:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
                ["Sms:Runtime:LocalTriggers"] = "false",
            });
            b.Logging.ClearProviders();
        });

        // Refused while the app is built (the API reads its options to map routes), at the latest when it starts.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = SmsFunctionsApp.Build(builder);
            await app.StartAsync(TestContext.Current.CancellationToken);
        });
        Assert.Contains("Sms:AdminApiKey", error.Message, StringComparison.Ordinal);
    }
}
