using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Carriers.Kannel;

namespace SmsFunctions.App.Api.Auth;

/// <summary>
/// Lets only <see cref="KannelCarrierOptions.AllowedSources"/> reach the Kannel endpoints (receipts and MOs): a dlr-url
/// or inbound key that leaks is of no use from anywhere else. Runs before the handler reads anything of the request;
/// the source is <see cref="ClientAddressLimits.ClientIp"/>. A refusal is 403 <c>KANNEL_SOURCE_FORBIDDEN</c>.
/// </summary>
internal sealed class KannelSourceFilter(IOptionsMonitor<KannelCarrierOptions> options) : IEndpointFilter
{
    private Parsed _parsed = new([], KannelSourceNetworks.Any);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var source = ClientAddressLimits.ClientIp(context.HttpContext);
        if (Networks().Allows(source))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.KannelSourceForbidden,
            "Source not allowed.", $"Kannel endpoints accept calls only from Sms:Carriers:Kannel:AllowedSources; {source?.ToString() ?? "an unknown address"} is not in them."));
    }

    // Options are validated on start, so the entries parse; re-parsed only when the configuration changes.
    private KannelSourceNetworks Networks()
    {
        var entries = options.CurrentValue.AllowedSources;
        var parsed = Volatile.Read(ref _parsed);
        if (!ReferenceEquals(parsed.Entries, entries))
        {
            parsed = new Parsed(entries, KannelSourceNetworks.Parse(entries));
            Volatile.Write(ref _parsed, parsed);
        }

        return parsed.Networks;
    }

    private sealed record Parsed(string[] Entries, KannelSourceNetworks Networks);
}

/// <summary>Puts <see cref="KannelSourceFilter"/> on an endpoint.</summary>
internal static class KannelSourceFilterExtensions
{
    public static RouteHandlerBuilder RequireKannelSource(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<KannelSourceFilter>();
}
