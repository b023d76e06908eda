using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmsFunctions.Storage.Tables;

/// <summary>How values are written to tables: money as invariant decimal strings, hashes as lower-case hex.</summary>
public static class TableValues
{
    /// <summary>Invariant, without trailing zeros (<c>9.95</c>, not <c>9.9500</c>).</summary>
    public static string Money(decimal amount) => amount.ToString("0.############################", CultureInfo.InvariantCulture);

    public static decimal ParseMoney(string? value)
        => string.IsNullOrEmpty(value) ? 0m : decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static string Sha256Hex(ReadOnlySpan<byte> value) => Convert.ToHexStringLower(SHA256.HashData(value));

    /// <summary>A row key that sorts newest first: inverted ticks, then a random suffix so equal instants stay distinct.</summary>
    public static string NewestFirstKey(DateTimeOffset at)
        => string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");

    /// <summary>OData string literal with single quotes doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
