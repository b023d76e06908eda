using SmsFunctions.Testing.Kannel;

namespace SmsFunctions.Carriers.Tests.Kannel;

/// <summary>One real Kannel (bearerbox, fakesmsc, smsbox) shared by the Kannel integration tests.</summary>
[CollectionDefinition(Name)]
public sealed class KannelCollection : ICollectionFixture<KannelFixture>
{
    public const string Name = "Kannel";
}
