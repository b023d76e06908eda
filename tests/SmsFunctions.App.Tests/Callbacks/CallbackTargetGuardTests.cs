using System.Net;
using SmsFunctions.App.Callbacks;

namespace SmsFunctions.App.Tests.Callbacks;

public sealed class CallbackTargetGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]      // carrier-grade NAT
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:10.0.0.1")] // IPv4-mapped private
    [InlineData("168.63.129.16")]   // Azure wire server
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of 169.254.169.254
    [InlineData("64:ff9b:1::a00:1")]   // local-use NAT64
    [InlineData("::a9fe:a9fe")]        // IPv4-compatible 169.254.169.254
    [InlineData("::")]                 // unspecified
    [InlineData("2002:a9fe:a9fe::1")]  // 6to4 of 169.254.169.254
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    public void InternalAddressesAreNotPublic(string address) => Assert.False(CallbackTargetGuard.IsPublicAddress(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("168.63.129.17")]
    [InlineData("2a00:1450:4001::200e")]
    public void PublicAddressesArePublic(string address) => Assert.True(CallbackTargetGuard.IsPublicAddress(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://127.0.0.1:9999/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]:8080/")]
    public async Task SubmissionRefusesInternalTargets(string url) =>
        Assert.NotNull(await CallbackTargetGuard.SubmissionProblemAsync(url, allowPrivateNetworks: false, TestContext.Current.CancellationToken));

    [Theory]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://no-such-host.invalid/hook")] // does not resolve now: checked again at delivery
    public async Task SubmissionLetsPublicOrUnresolvedTargetsThrough(string url) =>
        Assert.Null(await CallbackTargetGuard.SubmissionProblemAsync(url, allowPrivateNetworks: false, TestContext.Current.CancellationToken));

    [Fact]
    public async Task PrivateNetworksCanBeAllowedForLocalDevelopment() =>
        Assert.Null(await CallbackTargetGuard.SubmissionProblemAsync("http://127.0.0.1:9999/hook", allowPrivateNetworks: true, TestContext.Current.CancellationToken));

    [Fact]
    public async Task DeliveryRefusesAnInternalTargetAndGivesUp()
    {
        var problem = await CallbackTargetGuard.NetworkProblemAsync(new Uri("http://127.0.0.1:9/hook"), allowPrivateNetworks: false, TestContext.Current.CancellationToken);
        Assert.Contains("not allowed", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SignaturesVerifyOnlyWithTheRightSecretBodyAndFreshTimestamp()
    {
        var body = "{\"data\":{\"id\":\"x\"}}"u8.ToArray();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var header = CallbackSigner.Sign("whsec_test", now, body);

        Assert.Matches("^t=1800000000,v1=[0-9a-f]{64}$", header);
        Assert.True(CallbackSigner.Verify("whsec_test", header, body, now.AddMinutes(1), TimeSpan.FromMinutes(5)));
        Assert.False(CallbackSigner.Verify("whsec_other", header, body, now, TimeSpan.FromMinutes(5)));
        Assert.False(CallbackSigner.Verify("whsec_test", header, "{\"data\":{\"id\":\"y\"}}"u8.ToArray(), now, TimeSpan.FromMinutes(5)));
        Assert.False(CallbackSigner.Verify("whsec_test", header, body, now.AddMinutes(10), TimeSpan.FromMinutes(5)));
    }
}
