namespace SmsFunctions.Storage.Tables;

/// <summary>Back-off for optimistic-concurrency retries: grows with the attempt, randomised so racing writers spread out.</summary>
internal static class Jitter
{
    public static TimeSpan Next(int attempt)
    {
        var ceiling = Math.Min(200, 5 * (1 << Math.Min(attempt, 6)));
        return TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling + 1));
    }
}
