namespace SmsFunctions.Core.Pricing;

public static class PriorityBandExtensions
{
    /// <summary>The dispatch queue for the band: <c>sms-dispatch-high</c>, <c>sms-dispatch-normal</c> or <c>sms-dispatch-low</c>.</summary>
    public static string QueueName(this PriorityBand band) => band switch
    {
        PriorityBand.High => "sms-dispatch-high",
        PriorityBand.Normal => "sms-dispatch-normal",
        PriorityBand.Low => "sms-dispatch-low",
        _ => throw new ArgumentOutOfRangeException(nameof(band), band, "Unknown priority band."),
    };
}
