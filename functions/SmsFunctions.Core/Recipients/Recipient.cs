namespace SmsFunctions.Core.Recipients;

/// <summary>A valid destination number.</summary>
/// <param name="Number">E.164, e.g. <c>+393331234567</c>.</param>
/// <param name="InternationalPrefix">The country calling code without '+', e.g. <c>39</c> (the API's <c>internationalPrefix</c>).</param>
/// <param name="CountryCode">ISO 3166-1 alpha-2 region, e.g. <c>IT</c> (the API's <c>countryCode</c>); <c>001</c> for non-geographic numbers.</param>
public sealed record Recipient(string Number, string InternationalPrefix, string CountryCode);
