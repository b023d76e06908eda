using System.Buffers.Text;
using System.Text;

namespace SmsFunctions.Storage.Tables;

/// <summary>The API's opaque continuation tokens: base64url of the table service's continuation.</summary>
public static class ContinuationTokens
{
    public static string? Encode(string? azureToken)
        => string.IsNullOrEmpty(azureToken) ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(azureToken));

    /// <summary>False when <paramref name="token"/> is not one this API handed out.</summary>
    public static bool TryDecode(string? token, out string? azureToken)
    {
        azureToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > 2048 || !Base64Url.IsValid(token))
        {
            return false;
        }

        try
        {
            azureToken = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }

        // The service's continuation is "{nextPartitionKey} {nextRowKey}" (the SDK's own format).
        return azureToken.Length > 0 && !azureToken.Any(char.IsControl);
    }
}
