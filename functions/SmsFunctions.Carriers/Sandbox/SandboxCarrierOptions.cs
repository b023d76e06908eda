using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.Carriers.Sandbox;

/// <summary>Options of the in-process sandbox carrier, bound from <c>Sms:Carriers:Sandbox</c>.</summary>
public sealed class SandboxCarrierOptions
{
    public const string SectionName = "Sms:Carriers:Sandbox";

    /// <summary>The time unit of every scripted receipt: a plain number is <c>Delivered</c> after this long, and
    /// <c>Sent</c> after a quarter of it. Lower it in tests.</summary>
    [Range(1, 600_000)]
    public int ReceiptDelayMilliseconds { get; set; } = 200;
}
