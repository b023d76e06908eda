using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>
/// Counts Kannel's delivery receipts for the baseline: the dlr-url carries our sequence number <c>n</c> and Kannel's
/// type <c>%d</c> (1 delivered, 8 accepted by the SMSC). The first type-1 receipt per number is timestamped, so a run
/// knows when its last message was delivered.
/// </summary>
internal sealed class KannelReceiptSink
{
    private long[] _deliveredAt = [];
    private int _delivered;
    private int _receipts;
    private int _duplicates;

    public int Delivered => Volatile.Read(ref _delivered);

    public int Receipts => Volatile.Read(ref _receipts);

    public int DuplicateDeliveries => Volatile.Read(ref _duplicates);

    /// <summary>Resets the counters for a run of <paramref name="count"/> messages numbered 0…count-1.</summary>
    public void BeginRun(int count)
    {
        Volatile.Write(ref _deliveredAt, new long[count]);
        _delivered = _receipts = _duplicates = 0;
    }

    /// <summary>Stopwatch timestamp of the last first-delivery, or 0.</summary>
    public long LastDeliveredAt() => Volatile.Read(ref _deliveredAt).DefaultIfEmpty().Max();

    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Interlocked.Increment(ref _receipts);
        var query = context.Request.Query;
        if (query["t"] == "1" && int.TryParse(query["n"], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            var slots = Volatile.Read(ref _deliveredAt);
            if ((uint)n < (uint)slots.Length && Interlocked.CompareExchange(ref slots[n], Stopwatch.GetTimestamp(), 0) == 0)
            {
                Interlocked.Increment(ref _delivered);
            }
            else
            {
                Interlocked.Increment(ref _duplicates);
            }
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }
}
