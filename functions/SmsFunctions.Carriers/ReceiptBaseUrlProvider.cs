namespace SmsFunctions.Carriers;

/// <summary>The app sets <see cref="DefaultReceiptBaseUrl"/> once it knows where it listens (e.g. after
/// <c>app.StartAsync()</c>, from <c>IServerAddressesFeature</c>). Registered as a singleton by
/// <see cref="CarrierServiceCollectionExtensions.AddCarriers"/>.</summary>
public sealed class ReceiptBaseUrlProvider : IReceiptBaseUrlProvider
{
    private volatile Uri? _default;

    public Uri? DefaultReceiptBaseUrl
    {
        get => _default;
        set
        {
            if (value is not null && !value.IsAbsoluteUri)
            {
                throw new ArgumentException("The receipt base URL must be absolute.", nameof(value));
            }

            _default = value;
        }
    }
}
