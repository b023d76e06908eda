namespace SmsFunctions.App.Tests.Infrastructure;

/// <summary>The API tests share one running app (and Azurite); they isolate by account, not by sleeping.</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<SmsAppFixture>
{
    public const string Name = "api";
}
