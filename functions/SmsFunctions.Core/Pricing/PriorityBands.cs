using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Pricing;

public static class PriorityBands
{
    /// <summary>
    /// OTPs are always high; any message paying at least <see cref="PriorityBandThresholds.HighThreshold"/> is high.
    /// Below that, any priority above the minimum moves a message one band above its type's (transactional normal →
    /// high, promotional low → normal): seed 003 promises that with 1,000 messages queued at 1.00, one sent at 1.01
    /// jumps the queue, and within a band the queue is first in, first out.
    /// </summary>
    public static PriorityBand For(MessageType type, decimal priority, PriorityBandThresholds? thresholds = null)
    {
        thresholds ??= PriorityBandThresholds.Default;
        if (type == MessageType.Otp || priority >= thresholds.HighThreshold)
        {
            return PriorityBand.High;
        }

        var paid = priority > Priority.Min;
        return type == MessageType.Transactional
            ? paid ? PriorityBand.High : PriorityBand.Normal
            : paid ? PriorityBand.Normal : PriorityBand.Low;
    }
}
