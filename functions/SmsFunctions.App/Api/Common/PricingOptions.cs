using System.ComponentModel.DataAnnotations;
using SmsFunctions.Core.Pricing;

namespace SmsFunctions.App.Api.Common;

/// <summary><c>Sms:Pricing</c>: the default price list and the content-policy penalty.</summary>
public sealed class PricingOptions
{
    public const string Section = "Sms:Pricing";

    [Required]
    [RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; set; } = "EUR";

    /// <summary>Per SMS part, for countries not in <see cref="PerCountry"/> (seed 002: from €0.05).</summary>
    [Range(typeof(decimal), "0", "100")]
    public decimal DefaultPricePerPart { get; set; } = 0.05m;

    /// <summary>Per SMS part by ISO 3166-1 alpha-2 country code.</summary>
    public Dictionary<string, decimal> PerCountry { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Charged per part when the content policy blocks a message (seed 002: 1 euro per part).</summary>
    [Range(typeof(decimal), "0", "100")]
    public decimal PenaltyPerPart { get; set; } = 1.00m;

    /// <summary>
    /// Seed 002: <c>POST /WW-messages</c> needs a credit of at least this much per message part (<c>messageCount</c>)
    /// before it sends (1.00 €); 0 turns the check off. The price charged is still the price list's.
    /// </summary>
    [Range(typeof(decimal), "0", "1000")]
    public decimal WorldwideMinimumCreditPerPart { get; set; } = 1.00m;

    public PriceList ToPriceList() => new(Currency, DefaultPricePerPart, PerCountry);
}
