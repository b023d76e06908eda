using System.Net;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// The networks Kannel may call our Kannel endpoints (receipts, MOs) from, parsed from
/// <see cref="KannelCarrierOptions.AllowedSources"/>: CIDRs (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) or single
/// addresses, several to an entry when separated by commas. No networks: any source is allowed. Pure.
/// </summary>
public sealed class KannelSourceNetworks
{
    public static readonly KannelSourceNetworks Any = new([]);

    private readonly IPNetwork[] _networks;

    private KannelSourceNetworks(IPNetwork[] networks) => _networks = networks;

    /// <summary>True when no network is listed (every source allowed).</summary>
    public bool AllowsAny => _networks.Length == 0;

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Parses <paramref name="entries"/>; false with the first entry that is not a CIDR or an address.</summary>
    public static bool TryParse(IEnumerable<string>? entries, out KannelSourceNetworks networks, out string? invalid)
    {
        var parsed = new List<IPNetwork>();
        foreach (var part in (entries ?? []).SelectMany(e => (e ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            // A base address with host bits set (10.0.0.1/8) is refused: it is almost certainly a typo for another network.
            if (IPNetwork.TryParse(part, out var network)
                && IPAddress.TryParse(part.AsSpan(0, part.IndexOf('/', StringComparison.Ordinal)), out var written) && written.Equals(network.BaseAddress))
            {
                parsed.Add(network);
            }
            else if (!part.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(part, out var address))
            {
                address = Normalize(address);
                parsed.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                networks = Any;
                invalid = part;
                return false;
            }
        }

        networks = parsed.Count == 0 ? Any : new KannelSourceNetworks([.. parsed]);
        invalid = null;
        return true;
    }

    /// <summary>Parses valid entries (see <see cref="TryParse"/>), or throws.</summary>
    public static KannelSourceNetworks Parse(IEnumerable<string>? entries) =>
        TryParse(entries, out var networks, out var invalid) ? networks
            : throw new FormatException($"'{invalid}' is neither a CIDR (10.0.0.0/8) nor an IP address.");

    /// <summary>True when <paramref name="source"/> is in one of the networks, or when none is listed. An unknown
    /// source (null) is allowed only when none is listed.</summary>
    public bool Allows(IPAddress? source)
    {
        if (AllowsAny) { return true; }
        if (source is null) { return false; }
        source = Normalize(source);
        foreach (var network in _networks)
        {
            if (network.Contains(source)) { return true; }
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
