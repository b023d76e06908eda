using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;
using SmsFunctions.Queues;

namespace SmsFunctions.App.Tests.Triggers;

public sealed class TriggerPlumbingTests
{
    [Fact]
    public void WeightedSelectorInterleavesSixThreeOneStartingHigh()
    {
        var selector = new WeightedBandSelector([6, 3, 1]);

        var picks = Enumerable.Range(0, 20).Select(_ => selector.Next(_ => true)).ToList();

        Assert.Equal([0, 1, 0, 0, 1, 0, 2, 0, 1, 0], picks.Take(10));
        Assert.Equal(picks.Take(10), picks.Skip(10));
    }

    [Fact]
    public void WeightedSelectorSkipsIneligibleBandsAndReportsNoneEligible()
    {
        var selector = new WeightedBandSelector([6, 3, 1]);

        var picks = Enumerable.Range(0, 7).Select(_ => selector.Next(band => band != 1)).ToList();

        Assert.Equal(6, picks.Count(p => p == 0));
        Assert.Equal(1, picks.Count(p => p == 2));
        Assert.Equal(-1, selector.Next(_ => false));
    }

    [Theory]
    [InlineData("abc", "abc~r1")]
    [InlineData("abc~r1", "abc~r2")]
    [InlineData("abc~r41", "abc~r42")]
    [InlineData("a~rb", "a~rb~r1")]
    [InlineData("~r3", "~r3~r1")]
    public void RetryMessageIdIsDerivedFromTheOriginal(string id, string next)
    {
        Assert.Equal(next, RetryMessageId.Next(id));
    }

    [Fact]
    public void BackoffGrowsWithDeliveryCountAndCapsAtFiveMinutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), RetryBackoff.ForDeliveryCount(1));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryBackoff.ForDeliveryCount(2));
        Assert.Equal(TimeSpan.FromMinutes(5), RetryBackoff.ForDeliveryCount(6));
        Assert.Equal(TimeSpan.FromMinutes(5), RetryBackoff.ForDeliveryCount(60));
    }

    [Fact]
    public void DispatchBandsShareOneListenerAndCallbacksGetTheirOwn()
    {
        QueueFunction[] functions =
        [
            new("DeliverCallback", QueueNames.Callbacks, typeof(ScriptedQueueHandler)),
            new("DispatchLow", QueueNames.DispatchLow, typeof(ScriptedQueueHandler)),
            new("DispatchHigh", QueueNames.DispatchHigh, typeof(ScriptedQueueHandler)),
            new("DispatchNormal", QueueNames.DispatchNormal, typeof(ScriptedQueueHandler)),
        ];

        var plans = QueueListenerPlan.Create(functions, new TriggerRuntimeOptions());

        Assert.Equal(2, plans.Count);
        Assert.Equal(
            [(QueueNames.DispatchHigh, 6), (QueueNames.DispatchNormal, 3), (QueueNames.DispatchLow, 1)],
            plans[0].Bands.Select(b => (b.Function.QueueName, b.Weight)));
        Assert.Equal(QueueNames.Callbacks, Assert.Single(plans[1].Bands).Function.QueueName);
    }

    [Fact]
    public void RegistrationBuildsTheCatalogAndResolvesHandlersPerScope()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new QueueHandlerScript());
        services.AddSingleton(new TimerHandlerScript());
        services.AddTriggerRuntime(new ConfigurationBuilder().Build());
        services.AddQueueFunction<ScriptedQueueHandler>("DispatchHigh", QueueNames.DispatchHigh);
        services.AddTimerFunction<ScriptedTimerHandler>("FireScheduled", "*/5 * * * * *");
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var catalog = provider.GetRequiredService<FunctionCatalog>();

        Assert.True(catalog.TryGetQueueFunction("DispatchHigh", out var queue));
        Assert.Equal((QueueNames.DispatchHigh, "message"), (queue.QueueName, queue.BindingName));
        Assert.True(catalog.TryGetTimerFunction("FireScheduled", out var timer));
        Assert.Equal("timer", timer.BindingName);
        using var first = provider.CreateScope();
        using var second = provider.CreateScope();
        Assert.NotSame(first.ServiceProvider.GetRequiredService<ScriptedQueueHandler>(), second.ServiceProvider.GetRequiredService<ScriptedQueueHandler>());
    }

    [Fact]
    public void DuplicateFunctionNamesAreRejected()
    {
        var services = new ServiceCollection();
        services.AddQueueFunction<ScriptedQueueHandler>("Sweep", QueueNames.DispatchHigh);
        services.AddTimerFunction<ScriptedTimerHandler>("sweep", "0 * * * * *");
        using var provider = services.BuildServiceProvider();

        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<FunctionCatalog>());
    }

    [Fact]
    public void FiveFieldCronIsRejectedAtRegistration()
    {
        var services = new ServiceCollection();

        Assert.ThrowsAny<Exception>(() => services.AddTimerFunction<ScriptedTimerHandler>("Sweep", "* * * * *"));
    }

    [Fact]
    public void InvalidOptionsFailValidation()
    {
        var services = new ServiceCollection();
        services.AddTriggerRuntime(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Runtime:ReceiveBatchSize"] = "64",
            ["Sms:Runtime:MaxConcurrency"] = "0",
        }).Build());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TriggerRuntimeOptions>>().Value);
        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public void DefaultsMatchTheDocumentedSettings()
    {
        var options = new TriggerRuntimeOptions();

        Assert.Equal((true, false, 16, 16, 60, 5, 20), (options.LocalTriggers, options.HostMode, options.MaxConcurrency, options.ReceiveBatchSize, options.VisibilityTimeoutSeconds, options.MaxDeliveryCount, options.ShutdownGraceSeconds));
    }
}
