namespace SmsFunctions.App.Inbound;

/// <summary>Two-way SMS settings, bound from <c>Sms:Inbound</c>. A keyword list left unset uses the defaults of
/// <see cref="Core.Inbound.KeywordMatcher"/> (English and Italian); setting one replaces its defaults.</summary>
public sealed class InboundOptions
{
    public const string Section = "Sms:Inbound";

    public string[]? StopKeywords { get; set; }

    public string[]? StartKeywords { get; set; }

    public string[]? HelpKeywords { get; set; }

    /// <summary>How far back <c>inReplyTo</c> looks for the message an MO answers.</summary>
    public int ReplyWindowDays { get; set; } = 7;
}
