namespace SmsFunctions.Benchmarks.Infrastructure;

/// <summary>The few statistics the harness reports: median/min/max across runs, percentiles of latency samples, and
/// a least-squares fit on log-log axes (the exponent of growth with size).</summary>
internal static class Stats
{
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Min(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Min();

    public static double Max(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>Percentile by linear interpolation between closest ranks (the same definition as numpy's default),
    /// so the median of an even count is the mean of the middle two. NaN for no samples.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return PercentileOfSorted(sorted, percent);
    }

    public static double PercentileOfSorted(double[] sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = Math.Clamp(percent, 0, 100) / 100.0 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    /// <summary>Fits log(y) = a + b·log(x) by least squares: b is the growth exponent (1 = linear, 0 = flat).
    /// Points with a non-positive coordinate are ignored; null when fewer than two remain.</summary>
    public static LogLogFit? FitLogLog(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var usable = points.Where(p => p.X > 0 && p.Y > 0).Select(p => (X: Math.Log(p.X), Y: Math.Log(p.Y))).ToArray();
        if (usable.Length < 2 || usable.Select(p => p.X).Distinct().Count() < 2)
        {
            return null;
        }

        var meanX = usable.Average(p => p.X);
        var meanY = usable.Average(p => p.Y);
        var sxx = usable.Sum(p => (p.X - meanX) * (p.X - meanX));
        var sxy = usable.Sum(p => (p.X - meanX) * (p.Y - meanY));
        var syy = usable.Sum(p => (p.Y - meanY) * (p.Y - meanY));
        var slope = sxy / sxx;
        var intercept = meanY - (slope * meanX);
        var r2 = syy == 0 ? 1 : (sxy * sxy) / (sxx * syy);
        return new LogLogFit(slope, intercept, r2);
    }
}

/// <summary>y ≈ e^Intercept · x^Exponent, with the coefficient of determination of the log-log line.</summary>
internal sealed record LogLogFit(double Exponent, double Intercept, double RSquared);
