namespace SmsFunctions.Carriers.Tests.Support;

/// <summary>Answers from a script (the last answer repeats) and takes <see cref="Latency"/> of fake time per call.</summary>
internal sealed class ScriptedCarrier(string name, Microsoft.Extensions.Time.Testing.FakeTimeProvider? time, params CarrierSubmitResult[] answers) : ICarrier
{
    private int _calls;

    public string Name => name;

    public int Calls => _calls;

    public TimeSpan Latency { get; init; }

    public Exception? Throws { get; init; }

    public Task<CarrierSubmitResult> SubmitAsync(CarrierSubmission submission, CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        if (Latency > TimeSpan.Zero) { time?.Advance(Latency); }
        if (Throws is not null) { throw Throws; }
        return Task.FromResult(answers[Math.Min(call - 1, answers.Length - 1)]);
    }
}
