using System.Text.Json;

namespace SmsFunctions.App.Triggers;

/// <summary>The body the host expects from every successful invocation:
/// <c>{ "Outputs": {}, "Logs": [ … ], "ReturnValue": null }</c> (our functions have no output bindings).</summary>
internal sealed class InvocationResponse(IReadOnlyList<string> logs) : IResult
{
    public const string ContentType = "application/json";

    public IReadOnlyList<string> Logs { get; } = logs;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = ContentType;
        var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Outputs");
            writer.WriteEndObject();
            writer.WriteStartArray(nameof(Logs));
            foreach (var line in Logs)
            {
                writer.WriteStringValue(line);
            }
            writer.WriteEndArray();
            writer.WriteNull("ReturnValue");
            writer.WriteEndObject();
            await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
