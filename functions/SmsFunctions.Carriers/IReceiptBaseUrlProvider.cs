namespace SmsFunctions.Carriers;

/// <summary>
/// The address carriers call back with receipts when their options name none: the app's own listening address,
/// known only once Kestrel (or the Functions host) has started.
/// </summary>
public interface IReceiptBaseUrlProvider
{
    /// <summary>Scheme, host and port (and any path base) under which <c>/api/...</c> is served; null while unknown.</summary>
    Uri? DefaultReceiptBaseUrl { get; }
}
