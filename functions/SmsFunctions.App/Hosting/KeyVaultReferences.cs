using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Hosting;

/// <summary>
/// App Service replaces an app setting of the form <c>@Microsoft.KeyVault(SecretUri=…)</c> with the secret; when it
/// cannot (no access, no such secret, a typo), the literal reference text stays the setting's value, and the app would
/// run with it as a password or signing secret. The app refuses to start instead, naming the settings.
/// The admin key (<c>Sms:AdminApiKey</c>) is checked by its own start-up rule (length, sample value), not here.
/// </summary>
public static class KeyVaultReferences
{
    public const string Prefix = "@Microsoft.KeyVault(";

    private static readonly string[] CheckedElsewhere = ["Sms:AdminApiKey"];

    /// <summary>The settings (as <c>Section__Key</c> app-setting names) whose value is still a Key Vault reference.</summary>
    public static IReadOnlyList<string> Unresolved(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. configuration.AsEnumerable()
            .Where(setting => setting.Value is { } value && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            .Select(setting => setting.Key)
            .Where(key => !CheckedElsewhere.Contains(key, StringComparer.OrdinalIgnoreCase))
            .Select(key => key.Replace(":", "__", StringComparison.Ordinal))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Fails the start (with the other options validated on start) while any setting is an unresolved reference.</summary>
    public static IServiceCollection AddKeyVaultReferenceCheck(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ResolvedSettings>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResolvedSettings>>(new Validator(configuration));
        return services;
    }

    /// <summary>The options type the check hangs on; it carries nothing.</summary>
    public sealed class ResolvedSettings;

    private sealed class Validator(IConfiguration configuration) : IValidateOptions<ResolvedSettings>
    {
        public ValidateOptionsResult Validate(string? name, ResolvedSettings options)
        {
            var unresolved = Unresolved(configuration);
            return unresolved.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"Key Vault references were not resolved for {string.Join(", ", unresolved)}: the app setting still holds the "
                    + $"'{Prefix}…)' text. Check that the secret exists and that the app's identity (keyVaultReferenceIdentity) has Key Vault Secrets User on the vault.");
        }
    }
}
