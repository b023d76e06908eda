using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.App.Tests.Triggers.Fakes;
using SmsFunctions.App.Triggers;

namespace SmsFunctions.App.Tests.Triggers;

public sealed class LocalTimerRuntimeTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, 500, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly TimerHandlerScript _script = new();
    private readonly ServiceProvider _services;
    private readonly LocalTimerRuntime _runtime;

    public LocalTimerRuntimeTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(_script);
        services.AddTriggerRuntime(new ConfigurationBuilder().Build());
        services.AddTimerFunction<ScriptedTimerHandler>("FireScheduled", "*/5 * * * * *");
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        _runtime = _services.GetServices<IHostedService>().OfType<LocalTimerRuntime>().Single();
    }

    [Fact]
    public async Task FiresOnTheCronScheduleWithTheLastOccurrence()
    {
        await _runtime.StartAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(4.4));
        Assert.False(_script.Ticks.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var (first, _) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);
        _time.Advance(TimeSpan.FromSeconds(5));
        var (second, _) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);

        Assert.Equal(new TimerTick(At(5), IsPastDue: false, Last: null), first);
        Assert.Equal(new TimerTick(At(10), IsPastDue: false, Last: At(5)), second);
    }

    [Fact]
    public async Task NeverOverlapsItselfAndCatchesUpOnceMarkedPastDue()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        _script.OnRun = (_, ct) => Interlocked.Increment(ref runs) == 1 ? release.Task.WaitAsync(ct) : Task.CompletedTask;
        await _runtime.StartAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(4.5));
        var (first, _) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);
        _time.Advance(TimeSpan.FromSeconds(12)); // :10 and :15 pass while the first run is still going
        release.SetResult();
        var (catchUp, runningAtCatchUp) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);
        _time.Advance(TimeSpan.FromSeconds(3));
        var (next, _) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);

        Assert.Equal(At(5), first.Now);
        Assert.Equal(1, runningAtCatchUp);
        Assert.Equal(new TimerTick(At(17), IsPastDue: true, Last: At(5)), catchUp);
        Assert.Equal(new TimerTick(At(20), IsPastDue: false, Last: At(10)), next);
        Assert.Equal(1, _script.MaxRunning);
        Assert.False(_script.Ticks.Reader.TryRead(out _)); // no burst for the other missed occurrence
    }

    [Fact]
    public async Task AFailingTickIsLoggedAndTheScheduleContinues()
    {
        var runs = 0;
        _script.OnRun = (_, _) => Interlocked.Increment(ref runs) == 1 ? throw new InvalidOperationException("table down") : Task.CompletedTask;
        await _runtime.StartAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(4.5));
        await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);
        _time.Advance(TimeSpan.FromSeconds(5));
        var (second, _) = await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);

        Assert.Equal(At(10), second.Now);
        Assert.Equal(2, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task StopCancelsATickInProgress()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _script.OnRun = async (_, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.SetResult();
                throw;
            }
        };
        await _runtime.StartAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(4.5));
        await LocalRuntimeHarness.ReadAsync(_script.Ticks.Reader);

        await _runtime.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(cancelled.Task.IsCompleted);
    }

    private static DateTimeOffset At(int second) => new(2025, 1, 1, 0, 0, second, TimeSpan.Zero);

    public async ValueTask DisposeAsync()
    {
        await _runtime.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
