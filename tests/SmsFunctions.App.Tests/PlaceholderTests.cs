namespace SmsFunctions.App.Tests;
public class PlaceholderTests { [Fact] public void Works() => Assert.Equal(1, SmsFunctions.Core.Placeholder.Value); }
