using System.Text.Json;
using Microsoft.Extensions.Options;
using SmsFunctions.Core.Pricing;
using SmsFunctions.Storage.Accounts;

namespace SmsFunctions.App.Api.Common;

/// <summary>The price list for an account: its own override when it has one, else <c>Sms:Pricing</c>.</summary>
public sealed class PriceListProvider(IOptions<PricingOptions> options)
{
    private readonly PriceList _default = options.Value.ToPriceList();

    public PriceList For(AccountEntity account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (string.IsNullOrEmpty(account.PriceListJson))
        {
            return _default;
        }

        var custom = JsonSerializer.Deserialize<PriceOverride>(account.PriceListJson, JsonSerializerOptions.Web);
        return custom is null
            ? _default
            : new PriceList(_default.Currency, custom.DefaultPricePerPart ?? _default.DefaultPricePerPart,
                custom.PerCountry is null ? _default.PerCountry : new Dictionary<string, decimal>(custom.PerCountry, StringComparer.OrdinalIgnoreCase));
    }

    private sealed record PriceOverride(decimal? DefaultPricePerPart, Dictionary<string, decimal>? PerCountry);
}
