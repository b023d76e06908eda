namespace SmsFunctions.App.Triggers;

/// <summary>
/// Smooth weighted round robin (as in nginx) over priority bands: with weights 6:3:1 and all bands eligible, every ten
/// picks are six high, three normal and one low, interleaved (H N H H N H L H N H), starting with the highest band.
/// Bands that are not eligible (known empty) are skipped without losing their turn to the others, so a flooded
/// higher band slows a lower one down but can never starve it.
/// </summary>
internal sealed class WeightedBandSelector
{
    private readonly int[] _weights;
    private readonly int[] _current;

    public WeightedBandSelector(IReadOnlyList<int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => w < 1))
        {
            throw new ArgumentException("Every band needs a weight of at least 1.", nameof(weights));
        }
        _weights = [.. weights];
        _current = new int[_weights.Length];
    }

    public int Count => _weights.Length;

    /// <summary>The band to poll next among the eligible ones (ties go to the earlier, higher band); -1 when none is.</summary>
    public int Next(Func<int, bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        var total = 0;
        var best = -1;
        for (var band = 0; band < _weights.Length; band++)
        {
            if (!eligible(band))
            {
                continue;
            }
            _current[band] += _weights[band];
            total += _weights[band];
            if (best < 0 || _current[band] > _current[best])
            {
                best = band;
            }
        }
        if (best >= 0)
        {
            _current[best] -= total;
        }
        return best;
    }
}
