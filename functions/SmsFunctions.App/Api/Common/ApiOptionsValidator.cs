using Microsoft.Extensions.Options;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The admin key opens every account: at least <see cref="MinAdminKeyLength"/> characters, and the sample key of
/// <c>local.settings.sample.json</c> only in Development. A setting still reading <c>@Microsoft.KeyVault(…)</c> is a
/// Key Vault reference the platform could not resolve: starting with it would make that text the secret.
/// </summary>
internal sealed class ApiOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<ApiOptions>
{
    public const int MinAdminKeyLength = 32;
    public const string SampleAdminKey = "dev-admin-key-change-me";
    public const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var unresolved = configuration.AsEnumerable()
            .Where(s => s.Value?.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase) == true)
            .Select(s => s.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unresolved.Count > 0)
        {
            failures.Add($"{string.Join(", ", unresolved)}: an unresolved Key Vault reference (check the app's identity and its access to the vault).");
        }

        var key = options.AdminApiKey;
        if (string.IsNullOrEmpty(key) || unresolved.Contains($"{ApiOptions.Section}:{nameof(ApiOptions.AdminApiKey)}", StringComparer.OrdinalIgnoreCase))
        {
            // No key: admin endpoints answer 401.
        }
        else if (key == SampleAdminKey)
        {
            if (!environment.IsDevelopment())
            {
                failures.Add($"Sms:AdminApiKey is the sample key, accepted only when the environment is Development (it is {environment.EnvironmentName}); set a random key of at least {MinAdminKeyLength} characters.");
            }
        }
        else if (key.Length < MinAdminKeyLength)
        {
            failures.Add($"Sms:AdminApiKey must have at least {MinAdminKeyLength} characters (it has {key.Length}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
