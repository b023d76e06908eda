using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Pricing;

public static class PriorityBands
{
    /// <summary>
    /// OTPs are always high; any message paying at least <see cref="PriorityBandThresholds.HighThreshold"/> is high;
    /// any message paying above 1.00 is at least normal; otherwise transactional is normal and promotional is low.
    /// </summary>
    public static PriorityBand For(MessageType type, decimal priority, PriorityBandThresholds? thresholds = null)
    {
        thresholds ??= PriorityBandThresholds.Default;
        if (type == MessageType.Otp || priority >= thresholds.HighThreshold)
        {
            return PriorityBand.High;
        }

        if (priority > Priority.Min || type == MessageType.Transactional)
        {
            return PriorityBand.Normal;
        }

        return PriorityBand.Low;
    }
}
