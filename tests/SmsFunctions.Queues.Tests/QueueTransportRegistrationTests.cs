using Azure.Core;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmsFunctions.Queues.ServiceBus;
using SmsFunctions.Queues.StorageQueues;
using SmsFunctions.Testing;

namespace SmsFunctions.Queues.Tests;

public sealed class QueueTransportRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(ConfigurationManager configuration, Action<IServiceCollection>? before = null)
    {
        var services = new ServiceCollection();
        before?.Invoke(services);
        services.AddQueueTransport(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static ConfigurationManager Config(params (string Key, string? Value)[] values)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));
        return configuration;
    }

    private static void ValidateOnStart(IServiceProvider services) =>
        services.GetRequiredService<IStartupValidator>().Validate();

    [Fact]
    public void Storage_queues_are_the_default_and_provide_sender_and_receiver()
    {
        using var services = Build(Config());

        ValidateOnStart(services);
        var sender = Assert.IsType<StorageQueueTransport>(services.GetRequiredService<IQueueSender>());
        Assert.Same(sender, services.GetRequiredService<IQueueReceiver>());
        Assert.Equal("UseDevelopmentStorage=true", services.GetRequiredService<IOptions<StorageQueueTransportOptions>>().Value.ConnectionString);
    }

    [Fact]
    public void Storage_connection_string_is_read_when_resolved_not_when_registered()
    {
        var configuration = Config(("Sms:Storage:ConnectionString", "UseDevelopmentStorage=true"));
        var services = new ServiceCollection().AddQueueTransport(configuration);

        const string Late = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:47001/devstoreaccount1;";
        configuration["Sms:Storage:ConnectionString"] = Late;
        using var provider = services.BuildServiceProvider();

        Assert.Equal(Late, provider.GetRequiredService<IOptions<StorageQueueTransportOptions>>().Value.ConnectionString);
    }

    [Fact]
    public void Queue_service_uri_is_used_with_the_registered_credential_when_no_connection_string_is_set()
    {
        var credential = new FakeTokenCredential();
        using var services = Build(
            Config(("Sms:Storage:QueueServiceUri", "https://acct.queue.core.windows.net"), ("Sms:Queues:MaxConcurrentSends", "4")),
            s => s.AddSingleton<TokenCredential>(credential));

        ValidateOnStart(services);
        var options = services.GetRequiredService<IOptions<StorageQueueTransportOptions>>().Value;
        Assert.Null(options.ConnectionString);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), options.ServiceUri);
        Assert.Equal(4, options.MaxConcurrentSends);
        Assert.IsType<StorageQueueTransport>(services.GetRequiredService<IQueueSender>());
    }

    [Theory]
    [InlineData("Sms:Storage:ConnectionString", "this is not a connection string")]
    [InlineData("Sms:Storage:QueueServiceUri", "not a uri")]
    [InlineData("Sms:Queues:MaxConcurrentSends", "0")]
    public void Bad_storage_settings_fail_on_start(string key, string value)
    {
        using var services = Build(Config((key, value)));

        var ex = Assert.Throws<OptionsValidationException>(() => ValidateOnStart(services));
        Assert.Contains(key.Split(':')[^1], ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_bus_registers_only_the_sender()
    {
        await using var services = Build(Config(("Sms:Transport", "ServiceBus"), ("Sms:ServiceBus:Namespace", "mybus")), s => s.AddSingleton<TokenCredential>(new FakeTokenCredential()));

        ValidateOnStart(services);
        Assert.IsType<ServiceBusQueueSender>(services.GetRequiredService<IQueueSender>());
        Assert.Null(services.GetService<IQueueReceiver>());
        Assert.Equal("mybus.servicebus.windows.net", services.GetRequiredService<IOptions<ServiceBusTransportOptions>>().Value.FullyQualifiedNamespace);
    }

    [Fact]
    public async Task Dead_letters_are_recorded_in_poison_queues_with_either_transport_and_service_bus_adds_its_dead_letter_queues()
    {
        using var storage = Build(Config());
        await using var bus = Build(Config(("Sms:Transport", "ServiceBus"), ("Sms:ServiceBus:Namespace", "mybus")), s => s.AddSingleton<TokenCredential>(new FakeTokenCredential()));

        ValidateOnStart(storage);
        ValidateOnStart(bus);
        Assert.IsType<DeadLetters.StoragePoisonQueues>(storage.GetRequiredService<DeadLetters.IDeadLetterRecorder>());
        Assert.Equal([DeadLetters.DeadLetterSources.Poison], storage.GetServices<DeadLetters.IDeadLetterSource>().Select(s => s.Name));
        Assert.IsType<DeadLetters.StoragePoisonQueues>(bus.GetRequiredService<DeadLetters.IDeadLetterRecorder>());
        Assert.Equal([DeadLetters.DeadLetterSources.Poison, DeadLetters.DeadLetterSources.ServiceBus], bus.GetServices<DeadLetters.IDeadLetterSource>().Select(s => s.Name));
        Assert.Null(bus.GetService<IQueueReceiver>());
    }

    [Fact]
    public void Service_bus_without_a_namespace_fails_on_start()
    {
        using var services = Build(Config(("Sms:Transport", "servicebus")));

        var ex = Assert.Throws<OptionsValidationException>(() => ValidateOnStart(services));
        Assert.Contains("Sms:ServiceBus:Namespace", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_transport_is_refused_at_registration()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddQueueTransport(Config(("Sms:Transport", "Kafka"))));
        Assert.Contains("Kafka", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_service_bus_client_per_process_serves_the_sender_and_the_dead_letter_queue()
    {
        await using var services = Build(Config(("Sms:Transport", "ServiceBus"), ("Sms:ServiceBus:Namespace", "mybus")), s => s.AddSingleton<TokenCredential>(new FakeTokenCredential()));
        ValidateOnStart(services);

        var client = services.GetRequiredService<ServiceBusClient>();
        _ = services.GetRequiredService<IQueueSender>();
        _ = services.GetServices<DeadLetters.IDeadLetterSource>().ToList();

        Assert.Same(client, services.GetRequiredService<ServiceBusClient>());
        Assert.Equal("mybus.servicebus.windows.net", client.FullyQualifiedNamespace);
    }

    [Fact]
    public async Task A_service_bus_connection_string_is_used_instead_of_the_credential_when_configured()
    {
        const string ConnectionString = "Endpoint=sb://local-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=ZmFrZQ==";
        await using var services = Build(Config(("Sms:Transport", "ServiceBus"), ("Sms:ServiceBus:ConnectionString", ConnectionString)),
            s => s.AddSingleton<TokenCredential>(_ => throw new InvalidOperationException("the credential must not be asked for")));

        ValidateOnStart(services);

        Assert.Equal("local-bus.servicebus.windows.net", services.GetRequiredService<ServiceBusClient>().FullyQualifiedNamespace);
        Assert.NotEmpty(services.GetServices<DeadLetters.IDeadLetterSource>());
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class QueueTransportRegistrationAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_connection_string_written_after_registration_is_the_one_used()
    {
        var ct = TestContext.Current.CancellationToken;
        var configuration = new ConfigurationManager();
        var services = new ServiceCollection().AddQueueTransport(configuration);
        configuration["Sms:Storage:ConnectionString"] = azurite.ConnectionString; // as the local run does after starting Azurite
        using var provider = services.BuildServiceProvider();
        var queue = azurite.UniqueName("di");

        await provider.GetRequiredService<IQueueSender>().SendAsync(queue, new OutgoingQueueMessage("di-1", "hi"), ct);
        var received = Assert.Single(await provider.GetRequiredService<IQueueReceiver>().ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), ct));

        Assert.Equal(("di-1", "hi"), (received.Id, received.Body));
    }
}
