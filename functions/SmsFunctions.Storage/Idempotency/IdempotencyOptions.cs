using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.Storage.Idempotency;

/// <summary><c>Sms:Idempotency</c>: how long keys are remembered.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Sms:Idempotency";

    /// <summary>How long a key's answer is replayed; the API promises at least 24 hours.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A key whose first request is still pending in another process after this long is resumed by a retry (from
    /// what the first request recorded: the same message id and charge, so nothing is done twice); in the process
    /// that began it, as soon as that request has ended without an answer. A request does not start charging later
    /// than half of this after it began, so a resumption never races a first attempt that is still charging.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
