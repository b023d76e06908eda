using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace SmsFunctions.Carriers.Kannel;

/// <summary>
/// Kannel's receipt callback (the dlr-url): <c>GET</c> with a query, or <c>POST</c> with a form. Answers 202 as soon
/// as the sink has the receipt (also for duplicates and ignored types, or Kannel keeps retrying), 403 for a bad
/// signature, 400 for missing parameters. A sink failure propagates (500), so Kannel retries it.
/// </summary>
public static class KannelReceiptEndpoint
{
    /// <summary>The path under the receipt base URL, as put into every dlr-url.</summary>
    public const string Path = "/api/carriers/kannel/receipts";

    /// <summary>Largest receipt body read: a receipt is a few short fields, so a bigger body is refused (413) before
    /// it is parsed or its signature checked.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    private static readonly Microsoft.AspNetCore.Http.Features.FormOptions ReceiptForm = new()
    {
        BufferBody = false,
        ValueCountLimit = 32,
        KeyLengthLimit = 64,
        ValueLengthLimit = MaxBodyBytes,
        MultipartBodyLengthLimit = MaxBodyBytes,
        MultipartHeadersCountLimit = 8,
        MultipartHeadersLengthLimit = 1024,
    };

    /// <summary>Maps GET and POST on <paramref name="pattern"/> (default <see cref="Path"/>) to <see cref="HandleAsync"/>.</summary>
    public static RouteHandlerBuilder MapKannelReceipts(this IEndpointRouteBuilder endpoints, string pattern = Path) =>
        endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Post], HandleAsync).WithName("KannelReceipt");

    public static async Task<Results<Accepted, ProblemHttpResult>> HandleAsync(
        HttpContext context, KannelReceiptParser parser, IDeliveryReceiptSink sink)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(sink);

        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem($"A receipt body may have at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Receipt too large", extensions: new Dictionary<string, object?> { ["code"] = "PAYLOAD_TOO_LARGE" });
        }

        var form = request.HasFormContentType
            ? await request.ReadFormAsync(ReceiptForm, context.RequestAborted).ConfigureAwait(false)
            : null;
        string? Value(string name)
        {
            var value = form is not null && form.TryGetValue(name, out var fromForm) ? fromForm : request.Query[name];
            return value.Count == 0 ? null : value[0];
        }

        var result = parser.Parse(Value("mid"), Value("to"), Value("sig"), Value("type"), Value("ts"), Value("smscid"), Value("reply"), Value("nonce"));
        switch (result.Verdict)
        {
            case KannelReceiptVerdict.Receipt:
                // Not the request's token: smsbox may hang up (or be stopped) once the state is stored, and its retry
                // queue dies with it, so a callback cut off here would never be queued. Storage calls are bounded anyway.
                await sink.AcceptAsync(result.Receipt!, CancellationToken.None).ConfigureAwait(false);
                return TypedResults.Accepted((string?)null);
            case KannelReceiptVerdict.Ignored:
                return TypedResults.Accepted((string?)null);
            case KannelReceiptVerdict.BadSignature:
                return TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status403Forbidden,
                    title: "Receipt signature rejected", extensions: new Dictionary<string, object?> { ["code"] = "receipt_signature_invalid" });
            default:
                return TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status400BadRequest,
                    title: "Malformed receipt", extensions: new Dictionary<string, object?> { ["code"] = "receipt_malformed" });
        }
    }
}
