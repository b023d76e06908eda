using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using SmsFunctions.App.Api.Auth;
using SmsFunctions.Storage.Accounts;

namespace SmsFunctions.App.Api.Common;

/// <summary>
/// The one writer of every error body: an RFC 9457 problem (<c>type, title, status, detail, code, errors</c>) that is
/// also the seed-003 envelope (<c>data: null, success: false, message</c> = the detail, <c>credit</c> when the caller
/// is known, <c>error</c> = the code's number from <see cref="ApiErrorNumbers"/>). Whatever produces a problem —
/// <see cref="ApiProblem"/>, <c>TypedResults.Problem</c>, the exception handler, status-code pages for an unmatched
/// route or method — ends here, so no endpoint, old or new, can answer an error without both halves.
/// </summary>
public sealed partial class EnvelopeProblemWriter(
    IServiceProvider services, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<EnvelopeProblemWriter> logger) : IProblemDetailsWriter
{
    private static readonly TimeSpan CreditLookupBudget = TimeSpan.FromSeconds(2);

    public bool CanWrite(ProblemDetailsContext context) => true;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        var ext = problem.Extensions;
        var code = ext.TryGetValue("code", out var given) && given is string { Length: > 0 } text ? text : ApiErrorNumbers.CodeForStatus(status);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Type ??= ApiProblem.TypeFor(code);
        problem.Detail ??= problem.Title;
        ext["code"] = code;
        if (!ext.ContainsKey("errors"))
        {
            var field = ext.TryGetValue("field", out var f) ? f as string : null;
            ext["errors"] = new[] { new ProblemError(code, field, problem.Detail) };
        }

        ext["data"] = null;
        ext["success"] = false;
        ext["message"] = problem.Detail;
        ext["credit"] = await CreditOfCallerAsync(http);
        ext["error"] = ApiErrorNumbers.For(code, status);

        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", http.RequestAborted);
    }

    /// <summary>The caller's remaining credit as the envelope writes it, or null for an anonymous or admin caller.</summary>
    private async Task<string?> CreditOfCallerAsync(HttpContext http)
    {
        if (http.User.AccountIdOf() is not { } accountId || services.GetService<CreditLedger>() is not { } ledger)
        {
            return null;
        }

        using var budget = new CancellationTokenSource(CreditLookupBudget);
        try
        {
            return await ledger.GetBalanceAsync(accountId, budget.Token) is { } balance
                ? Storage.Tables.TableValues.Money(balance)
                : null;
        }
#pragma warning disable CA1031 // An error answer must not fail because the balance could not be read; it goes without credit.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCreditUnavailable(ex, accountId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Error answer for {AccountId} goes without credit: the balance could not be read")]
    private partial void LogCreditUnavailable(Exception exception, string accountId);
}

/// <summary>One entry of a problem's <c>errors</c> when the error is not about a request field.</summary>
public sealed record ProblemError(string Code, string? Field, string Detail);
