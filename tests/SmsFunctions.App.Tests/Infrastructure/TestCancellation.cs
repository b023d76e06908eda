namespace SmsFunctions.App.Tests.Infrastructure;

/// <summary>The running test's cancellation token (xunit cancels it when the run is aborted or times out).</summary>
public static class TestCancellation
{
    public static CancellationToken Token => TestContext.Current.CancellationToken;
}
