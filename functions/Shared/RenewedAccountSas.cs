using System.Runtime.CompilerServices;
using Azure;

namespace SmsFunctions.Shared;

/// <summary>
/// The one policy for an account SAS made from a connection string's key, for the table and queue clients alike:
/// valid <see cref="Lifetime"/>, made again every <see cref="Renewal"/>, so a process that runs for months keeps
/// working. Signing with a SAS instead of the key spares the SDK's shared-key policy, which makes an HMAC per request
/// and leaves it to the finalizer (a third of the app's CPU under load). Compiled into SmsFunctions.Storage and
/// SmsFunctions.Queues from this one file (neither references the other).
/// </summary>
internal static class RenewedAccountSas
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);

    public static readonly TimeSpan Renewal = TimeSpan.FromHours(12);

    // Each renewal timer lives as long as the credential it updates (the clients are process-lifetime singletons).
    private static readonly ConditionalWeakTable<AzureSasCredential, ITimer> Renewals = new();

    /// <summary>The service endpoint without a query, and a credential holding a SAS that <paramref name="generate"/>
    /// makes valid until the time it is given, renewed every <paramref name="renewEvery"/> (default <see cref="Renewal"/>).</summary>
    public static (Uri Endpoint, AzureSasCredential Credential) Create(Func<DateTimeOffset, Uri> generate, TimeSpan? renewEvery = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(generate);
        var clock = time ?? TimeProvider.System;
        var sas = generate(clock.GetUtcNow() + Lifetime);
        var credential = new AzureSasCredential(sas.Query.TrimStart('?'));
        var every = renewEvery ?? Renewal;
        var timer = clock.CreateTimer(_ => credential.Update(generate(clock.GetUtcNow() + Lifetime).Query.TrimStart('?')), null, every, every);
        Renewals.AddOrUpdate(credential, timer);
        return (new UriBuilder(sas) { Query = string.Empty }.Uri, credential);
    }
}
