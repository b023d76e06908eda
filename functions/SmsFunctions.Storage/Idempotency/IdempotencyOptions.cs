using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.Storage.Idempotency;

/// <summary><c>Sms:Idempotency</c>: how long keys are remembered.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Sms:Idempotency";

    /// <summary>How long a key's answer is replayed; the API promises at least 24 hours.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>After this, a key whose first request never finished may be used again.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
