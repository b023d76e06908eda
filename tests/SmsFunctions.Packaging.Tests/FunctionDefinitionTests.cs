using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cronos;

namespace SmsFunctions.Packaging.Tests;

[Collection(DeploymentPackageCollection.Name)]
public sealed partial class FunctionDefinitionTests(DeploymentPackage package)
{
    // The queues of docs/DESIGN.md: one per dispatch priority band, plus the callbacks queue.
    private static readonly string[] KnownQueues =
        ["sms-dispatch-high", "sms-dispatch-normal", "sms-dispatch-low", "sms-callbacks"];

    private static readonly string[] AllHttpMethods = ["delete", "get", "head", "options", "patch", "post", "put"];

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void EveryFunctionHasExactlyOneNamedTrigger(string functionName)
    {
        var bindings = Bindings(functionName);

        Assert.NotEmpty(bindings);
        Assert.Single(bindings, binding => Text(binding, "direction") == "in" && Text(binding, "type")!.EndsWith("Trigger", StringComparison.Ordinal));
        Assert.All(bindings, binding => Assert.False(string.IsNullOrWhiteSpace(Text(binding, "name"))));
    }

    [Fact]
    public void ServiceBusTriggersReadKnownQueuesAsBinaryThroughTheIdentityConnection()
    {
        var triggers = TriggersOfType("serviceBusTrigger");

        Assert.NotEmpty(triggers);
        Assert.All(triggers, trigger =>
        {
            Assert.Contains(Text(trigger.Binding, "queueName"), KnownQueues);
            Assert.Equal("ServiceBusConnection", Text(trigger.Binding, "connection"));
            // A string trigger value is JSON-encoded twice by the host; binary arrives once, as base64.
            Assert.Equal("binary", Text(trigger.Binding, "dataType"));
            Assert.Equal("message", Text(trigger.Binding, "name"));
        });
    }

    [Fact]
    public void EveryKnownQueueIsDrainedByExactlyOneFunction()
    {
        var queues = TriggersOfType("serviceBusTrigger").Select(trigger => Text(trigger.Binding, "queueName")).ToList();

        Assert.Equal(KnownQueues.Order(StringComparer.Ordinal), queues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TriggeredQueuesAreTheQueuesBicepProvisions()
    {
        var bicep = File.ReadAllText(RepositoryLayout.MainBicep);
        var block = QueueNamesBlock().Match(bicep);
        Assert.True(block.Success, "infra/main.bicep has no `var queueNames = [...]`.");
        var provisioned = QuotedName().Matches(block.Groups["items"].Value).Select(match => match.Groups[1].Value);

        var triggered = TriggersOfType("serviceBusTrigger").Select(trigger => Text(trigger.Binding, "queueName"));

        Assert.Equal(provisioned.Order(StringComparer.Ordinal), triggered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryTriggerConnectionIsAnIdentityBasedAppSetting()
    {
        var bicep = File.ReadAllText(RepositoryLayout.FunctionAppBicep);
        var connections = TriggersOfType("serviceBusTrigger").Select(trigger => Text(trigger.Binding, "connection")).Distinct();

        Assert.All(connections, connection =>
        {
            Assert.Contains($"{connection}__fullyQualifiedNamespace:", bicep, StringComparison.Ordinal);
            Assert.Contains($"{connection}__credential: 'managedidentity'", bicep, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void TimerSchedulesAreSixFieldNcrontabThatDoNotRunOnStartup()
    {
        var timers = TriggersOfType("timerTrigger");

        Assert.NotEmpty(timers);
        Assert.All(timers, timer =>
        {
            var schedule = Text(timer.Binding, "schedule")!;
            Assert.Equal(6, schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            var exception = Record.Exception(() => CronExpression.Parse(schedule, CronFormat.IncludeSeconds));
            Assert.Null(exception);
            Assert.False(timer.Binding["runOnStartup"]?.GetValue<bool>() ?? false, $"{timer.Function} runs on startup.");
        });
    }

    [Theory]
    [InlineData("FireScheduled", 60)]
    [InlineData("Sweep", 60)]
    public void TimerFiresAtItsInterval(string functionName, int seconds)
    {
        var schedule = CronExpression.Parse(Text(Trigger(functionName), "schedule")!, CronFormat.IncludeSeconds);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var first = schedule.GetNextOccurrence(start)!.Value;
        var second = schedule.GetNextOccurrence(first)!.Value;

        Assert.Equal(TimeSpan.FromSeconds(seconds), second - first);
    }

    [Fact]
    public void ApiIsACatchAllHttpFunctionThatTheHostCanForward()
    {
        var bindings = Bindings("Api");

        // Forwarding needs exactly one httpTrigger in and one http out, nothing else.
        Assert.Equal(2, bindings.Count);
        var trigger = Assert.Single(bindings, binding => Text(binding, "type") == "httpTrigger");
        var output = Assert.Single(bindings, binding => Text(binding, "type") == "http");
        Assert.Equal("in", Text(trigger, "direction"));
        Assert.Equal("out", Text(output, "direction"));
        Assert.Equal("{*path}", Text(trigger, "route"));
        Assert.Equal("anonymous", Text(trigger, "authLevel"));
        var methods = trigger["methods"]!.AsArray().Select(method => method!.GetValue<string>().ToUpperInvariant());
        Assert.Equal(AllHttpMethods.Select(method => method.ToUpperInvariant()), methods.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string> FunctionNames() => new(RepositoryLayout.FunctionNames());

    private List<JsonObject> Bindings(string functionName)
    {
        var definition = JsonNode.Parse(package.ReadText($"{functionName}/function.json"))
            ?? throw new InvalidOperationException($"{functionName}/function.json is null.");
        return definition["bindings"]!.AsArray().Select(binding => binding!.AsObject()).ToList();
    }

    private JsonObject Trigger(string functionName) =>
        Bindings(functionName).Single(binding => Text(binding, "direction") == "in" && Text(binding, "type")!.EndsWith("Trigger", StringComparison.Ordinal));

    private List<(string Function, JsonObject Binding)> TriggersOfType(string type) =>
        RepositoryLayout.FunctionNames()
            .Select(name => (Function: name, Binding: Trigger(name)))
            .Where(trigger => Text(trigger.Binding, "type") == type)
            .ToList();

    private static string? Text(JsonObject binding, string property) => binding[property]?.GetValue<string>();

    [GeneratedRegex(@"var\s+queueNames\s*=\s*\[(?<items>[^\]]*)\]")]
    private static partial Regex QueueNamesBlock();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();
}
