using System.Net;
using System.Net.Sockets;

namespace SmsFunctions.App.Callbacks;

/// <summary>
/// Refuses webhook targets inside our own network: loopback, RFC 1918 private ranges, link-local (which includes
/// the cloud metadata endpoint 169.254.169.254), Azure's platform address 168.63.129.16, carrier-grade NAT, unique-local
/// IPv6, and the IPv6 ranges that embed an IPv4 address a gateway would translate (NAT64, IPv4-compatible, 6to4,
/// Teredo), since the embedded address could be any of the former. Checked when the
/// URL is accepted and again for every address at connect time, so a DNS answer that changes later (rebinding)
/// cannot reach an internal address either.
/// </summary>
public static class CallbackTargetGuard
{
    public static bool IsPublicAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0
                || b[0] == 10
                || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)      // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                     // link-local, cloud metadata
                || (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16) // Azure wire server (DNS, health, metadata)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)          // IETF protocol assignments
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))      // benchmarking
                || b[0] >= 224);                                    // multicast and reserved
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC                            // unique local fc00::/7
                || address.IsIPv6Teredo                             // 2001::/32
                || (b[0] == 0x20 && b[1] == 0x02)                   // 6to4 2002::/16
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
                || b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0);  // IPv4-compatible ::/96
        }

        return false;
    }

    /// <summary>Checks the shape of a callback URL (absolute http or https, a host, no credentials).</summary>
    public static string? ShapeProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "The callback url must be an absolute http or https URL.";
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return "The callback url must use http or https.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The callback url must not carry credentials; use callback headers instead.";
        }

        return null;
    }

    /// <summary>Resolves the host and refuses it when any address is internal (unless private networks are allowed).</summary>
    public static async Task<string?> NetworkProblemAsync(Uri uri, bool allowPrivateNetworks, CancellationToken cancellationToken = default)
    {
        if (allowPrivateNetworks)
        {
            return null;
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
            }
            catch (SocketException)
            {
                return $"The callback host '{uri.Host}' does not resolve.";
            }
        }

        return addresses.Length == 0 || addresses.Any(a => !IsPublicAddress(a))
            ? $"The callback host '{uri.Host}' resolves to a loopback, private, link-local or metadata address, which is not allowed."
            : null;
    }

    /// <summary>
    /// The check made when a message is accepted: refuses <c>localhost</c>, internal IP literals and host names that
    /// resolve to internal addresses. A name that does not resolve right now is let through (it is checked again at
    /// every delivery and connection), so a transient DNS failure never refuses a message.
    /// </summary>
    public static async Task<string?> SubmissionProblemAsync(string url, bool allowPrivateNetworks, CancellationToken cancellationToken = default)
    {
        if (allowPrivateNetworks || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.IdnHost.Trim('[', ']');
        var refused = $"The callback host '{uri.Host}' is a loopback, private, link-local or metadata address, which callbacks may not reach.";
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return refused;
        }

        if (IPAddress.TryParse(host, out var literal))
        {
            return IsPublicAddress(literal) ? null : refused;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            return addresses.Any(a => !IsPublicAddress(a)) ? refused : null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A connect callback for <see cref="SocketsHttpHandler"/> that re-checks every resolved address.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(Func<bool> allowPrivateNetworks) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = allowPrivateNetworks() ? addresses : addresses.Where(IsPublicAddress).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"Callback host '{host}' resolves only to addresses that callbacks may not reach.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
