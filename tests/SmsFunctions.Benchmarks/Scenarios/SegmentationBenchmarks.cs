using BenchmarkDotNet.Attributes;
using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Benchmarks.Scenarios;

/// <summary>
/// Micro-benchmark of encoding detection and segmentation, the work the API does for every recipient's body:
/// <see cref="SegmentCounter.Count"/> (the goal is zero allocations) and <see cref="MessageSplitter.Split"/>.
/// Public and unsealed because BenchmarkDotNet generates a derived runner type.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1515 // BenchmarkDotNet needs a public type
public class SegmentationBenchmarks
#pragma warning restore CA1515
{
    /// <summary>The bodies measured, by name: a short OTP, a 3-part GSM-7 text (with escape characters) and a 3-part
    /// UCS-2 text (accents outside GSM-7 and an emoji surrogate pair).</summary>
    public static readonly IReadOnlyDictionary<string, string> Bodies = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["otp"] = "Your code is 482913. It expires in 5 minutes.",
        ["gsm7-3-part"] = string.Concat(Enumerable.Repeat("Dear customer, your order #1234 {ref: A-77} has shipped; track it at example.com/t?id=9 [EUR 12,50]. ", 5))[..400],
        ["ucs2-3-part"] = string.Concat(Enumerable.Repeat("Ciao! Il tuo ordine è stato spedito 📦 — consegna prevista giovedì. Grazie ✓ ", 3))[..190],
    };

    [ParamsSource(nameof(Names))]
    public string Body { get; set; } = "otp";

    public static IEnumerable<string> Names => Bodies.Keys;

    private string _text = "";

    [GlobalSetup]
    public void Setup() => _text = Bodies[Body];

    [Benchmark(Description = "SegmentCounter.Count")]
    public SegmentInfo Count() => SegmentCounter.Count(_text);

    [Benchmark(Description = "MessageSplitter.Split")]
    public IReadOnlyList<string> Split() => MessageSplitter.Split(_text);
}
