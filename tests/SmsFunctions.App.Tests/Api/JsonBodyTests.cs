using System.Text;
using Microsoft.AspNetCore.Http;
using SmsFunctions.App.Api.Common;

namespace SmsFunctions.App.Tests.Api;

/// <summary>Reading a JSON request body: the bytes and document come back intact, and a small body does not cost a
/// large allocation (every send reads one; an 80 KB buffer per request was a fifth of the app's allocations per SMS).</summary>
public sealed class JsonBodyTests
{
    private const string Body = """{"sender":"Bench","recipients":["+393331234567"],"body":"Benchmark message 1"}""";

    [Fact]
    public async Task A_small_body_is_read_intact_without_a_large_buffer()
    {
        // Warm-up: first-call costs (statics, JIT) are not what is measured.
        (await ReadAsync()).Document!.Dispose();

        // The body is a MemoryStream, so the read completes synchronously on this thread and the thread's allocation
        // counter sees all of it.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (document, bytes, problem) = await ReadAsync();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(problem);
        Assert.NotNull(document);
        using (document)
        {
            Assert.Equal(Body, Encoding.UTF8.GetString(bytes));
            Assert.Equal("Bench", document.RootElement.GetProperty("sender").GetString());
        }

        Assert.True(allocated < 16 * 1024, $"reading a {Body.Length}-byte body allocated {allocated} bytes");
    }

    [Fact]
    public async Task A_body_over_the_cap_is_refused_and_the_next_read_still_works()
    {
        var (tooLarge, _, problem) = await ReadAsync(new string('x', 40_000), maxBytes: 1_000, contentLength: false);
        Assert.Null(tooLarge);
        Assert.NotNull(problem);

        var (document, bytes, ok) = await ReadAsync();
        Assert.Null(ok);
        using (document)
        {
            Assert.Equal(Body, Encoding.UTF8.GetString(bytes));
        }
    }

    private static Task<(System.Text.Json.JsonDocument? Document, byte[] Bytes, IResult? Problem)> ReadAsync(
        string body = Body, long maxBytes = 1_000_000, bool contentLength = true)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentType = "application/json";
        if (contentLength) { context.Request.ContentLength = bytes.Length; }
        return JsonBody.ReadAsync(context.Request, maxBytes);
    }
}
