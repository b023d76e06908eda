using SmsFunctions.Core.Encoding;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Messages;

/// <summary>One valid recipient of a plan.</summary>
/// <param name="RenderedBody">The body with this recipient's fields, or null when the body has no placeholders (then <see cref="SendPlan.Body"/> is sent to everyone, not copied 100k times).</param>
/// <param name="Segments">Encoding and parts of what this recipient receives.</param>
/// <param name="Price">Price for this recipient (country price × parts × priority), 4 decimals.</param>
public sealed record PlannedRecipient(
    Recipient Recipient,
    IReadOnlyDictionary<string, string>? Fields,
    string? RenderedBody,
    SegmentInfo Segments,
    decimal Price)
{
    public string Number => Recipient.Number;

    /// <summary>The text this recipient receives.</summary>
    public string BodyFor(SendPlan plan) => RenderedBody ?? plan.Body;
}
