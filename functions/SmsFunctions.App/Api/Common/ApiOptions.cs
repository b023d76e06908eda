using System.ComponentModel.DataAnnotations;

namespace SmsFunctions.App.Api.Common;

/// <summary><c>Sms</c>: the admin key and the API's limits.</summary>
public sealed class ApiOptions
{
    public const string Section = "Sms";

    /// <summary>Presented as <c>Authorization: Bearer &lt;key&gt;</c> for admin endpoints. Unset: admin endpoints always answer 401.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Largest request body accepted by the message endpoints (Kestrel's limit for that route group).</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Most recipient entries one request may carry.</summary>
    [Range(1, 1_000_000)]
    public int MaxRecipientsPerRequest { get; set; } = 100_000;

    /// <summary>Requests with at least this many recipients count as bulk work (see <see cref="MaxConcurrentBulkPerAccount"/>).</summary>
    [Range(1, 1_000_000)]
    public int BulkRecipientThreshold { get; set; } = 1000;

    /// <summary>Bulk requests (sends, dry runs, transaction additions) one account may have in progress at once per instance.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentBulkPerAccount { get; set; } = 2;

    /// <summary>How far ahead <c>scheduledAt</c> may be.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan MaxScheduleAhead { get; set; } = TimeSpan.FromDays(35);
}
