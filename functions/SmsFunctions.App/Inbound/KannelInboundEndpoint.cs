using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.App.Api.Common;
using SmsFunctions.Carriers.Kannel;

namespace SmsFunctions.App.Inbound;

/// <summary>
/// Kannel's <c>sms-service</c> calls this for every MO (<c>get-url</c>, or <c>post-url</c> with the text as the body):
/// authenticated by <c>Sms:Carriers:Kannel:InboundKey</c> in the <c>key</c> query parameter (compared in constant
/// time; it appears in Kannel's configuration and access logs). Answers 202 once the MO is stored — also for a repeat
/// and for a number nobody owns — so Kannel does not retry it; 403 for a bad key and 400 for a malformed MO, with
/// nothing stored. A storage failure is a 5xx, which Kannel retries (<c>http-request-retry</c>).
/// </summary>
public static class KannelInboundEndpoint
{
    public const string Path = "/api/carriers/kannel/inbound";

    private const int MaxBodyBytes = 8 * 1024;

    public static RouteHandlerBuilder MapKannelInbound(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods(Path, [HttpMethods.Get, HttpMethods.Post], HandleAsync).WithName("KannelInbound").WithTags("Carriers").AllowAnonymous()
            .RequireKannelSource();

    public static async Task<IResult> HandleAsync(HttpContext context, InboundService inbound, IOptions<KannelCarrierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(options);
        var query = KannelInboundParser.ParseQuery(context.Request.QueryString.Value);
        if (!KeyMatches(options.Value.InboundKey, query.TryGetValue("key", out var key) ? key : null))
        {
            return ApiProblem.Create(StatusCodes.Status403Forbidden, ApiErrorCodes.InboundKeyInvalid, "The inbound key is missing or wrong.",
                "Put Sms:Carriers:Kannel:InboundKey in the 'key' parameter of the sms-service URL.");
        }

        byte[]? body = null;
        string? bodyCharset = null;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                return Malformed($"The body is larger than {MaxBodyBytes} bytes.");
            }

            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (buffer.Length > MaxBodyBytes)
            {
                return Malformed($"The body is larger than {MaxBodyBytes} bytes.");
            }

            body = buffer.ToArray();
            bodyCharset = System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) ? type.CharSet : null;
            if (context.Request.Headers.TryGetValue("X-Kannel-Coding", out var coding) && !query.ContainsKey("coding"))
            {
                query["coding"] = Encoding.ASCII.GetBytes(coding.ToString());
            }
        }

        var (sms, problem) = KannelInboundParser.Parse(query, body, bodyCharset);
        if (sms is null)
        {
            return Malformed(problem!);
        }

        await inbound.ReceiveAsync(sms, context.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>Compares hashes, so neither the content nor the length of the key leaks through timing.</summary>
    internal static bool KeyMatches(string? expected, byte[]? given)
    {
        if (string.IsNullOrEmpty(expected) || given is null || given.Length == 0)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(given));
    }

    private static IResult Malformed(string detail) => ApiProblem.Create(StatusCodes.Status400BadRequest, ApiErrorCodes.InboundMalformed, "Malformed inbound message.", detail);
}
