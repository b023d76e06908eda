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

    /// <summary>When set, every submission the sandbox decides (accepted or rejected) is appended to this file as one
    /// line, <c>{time:O}\t{messageId}\t{recipient}\t{outcome}\t{reference}</c>, before the submit returns: the
    /// carrier's own record, which outlives the process (fault-injection tests kill it with SIGKILL). Off by default.</summary>
    public string? SubmissionLogPath { get; set; }
}
