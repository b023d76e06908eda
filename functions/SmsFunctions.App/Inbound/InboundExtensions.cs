namespace SmsFunctions.App.Inbound;

/// <summary>Registration of two-way SMS: receiving MOs, their webhooks, keywords and the opt-out list.</summary>
public static class InboundExtensions
{
    public static IServiceCollection AddSmsInbound(this IServiceCollection services)
    {
        services.AddOptions<InboundOptions>().BindConfiguration(InboundOptions.Section)
            .Validate(o => o.ReplyWindowDays is >= 0 and <= 30, "Sms:Inbound:ReplyWindowDays must be 0..30.")
            .Validate(o => new[] { o.StopKeywords, o.StartKeywords, o.HelpKeywords }.All(list => list is null || list.All(k => Core.Inbound.KeywordMatcher.Fold(k) is not null)),
                "Sms:Inbound keywords must be single words.")
            .ValidateOnStart();
        services.AddSingleton<InboundService>();
        services.AddSingleton<InboundCallbacks>();
        return services;
    }

    /// <summary>The API's endpoints (under /api, with its rate limits).</summary>
    public static IEndpointRouteBuilder MapInboundEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapInboundApi();
        api.MapOptOutsApi();
        return api;
    }
}
