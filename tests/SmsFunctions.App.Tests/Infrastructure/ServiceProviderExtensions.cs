using Microsoft.Extensions.DependencyInjection;

namespace SmsFunctions.App.Tests.Infrastructure;

internal static class ServiceProviderExtensions
{
    public static T GetRequiredServiceFor<T>(this IServiceProvider services)
        where T : notnull
        => services.GetRequiredService<T>();
}
