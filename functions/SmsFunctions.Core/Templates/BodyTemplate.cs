using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SmsFunctions.Core.Templates;

/// <summary>
/// A message body with <c>{{placeholder}}</c> fields (seed 003: <c>"Test invio {{nome}}"</c>). Whitespace inside the
/// braces is allowed (<c>{{ nome }}</c>); names are <c>[A-Za-z0-9_.-]+</c> and match field keys with the field
/// dictionary's own comparer (ordinal for JSON-bound dictionaries). Anything else between braces — or unbalanced
/// braces — is literal text, so a body such as <c>"{{}} ok"</c> is sent as typed.
/// </summary>
public sealed class BodyTemplate
{
    private readonly TemplateSegment[] segments;

    private BodyTemplate(string body, TemplateSegment[] segments, IReadOnlyList<string> placeholders)
    {
        Body = body;
        this.segments = segments;
        Placeholders = placeholders;
    }

    public string Body { get; }

    /// <summary>Distinct placeholder names, in order of first appearance.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    public bool HasPlaceholders => Placeholders.Count > 0;

    public static BodyTemplate Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var open = body.IndexOf("{{", StringComparison.Ordinal);
        if (open < 0)
        {
            return new BodyTemplate(body, [], []);
        }

        var segments = new List<TemplateSegment>();
        var names = new List<string>();
        var literalStart = 0;
        while (open >= 0)
        {
            var close = body.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            var name = body.AsSpan(open + 2, close - open - 2).Trim();
            if (IsName(name))
            {
                if (open > literalStart)
                {
                    segments.Add(TemplateSegment.Literal(body[literalStart..open]));
                }

                var nameText = name.ToString();
                segments.Add(TemplateSegment.Field(nameText));
                if (!names.Contains(nameText))
                {
                    names.Add(nameText);
                }

                literalStart = close + 2;
                open = body.IndexOf("{{", literalStart, StringComparison.Ordinal);
            }
            else
            {
                // Not a placeholder: keep scanning from the next brace so "{{{name}}" still finds "{{name}}".
                open = body.IndexOf("{{", open + 1, StringComparison.Ordinal);
            }
        }

        if (names.Count == 0)
        {
            return new BodyTemplate(body, [], []);
        }

        if (literalStart < body.Length)
        {
            segments.Add(TemplateSegment.Literal(body[literalStart..]));
        }

        return new BodyTemplate(body, [.. segments], names);
    }

    /// <summary>The body with every placeholder replaced. A body without placeholders is returned as is, without copying.</summary>
    /// <exception cref="MissingTemplateFieldException">A placeholder has no value in <paramref name="fields"/>.</exception>
    public string Render(IReadOnlyDictionary<string, string>? fields)
        => TryRender(fields, out var text, out var missing) ? text : throw new MissingTemplateFieldException(missing);

    public bool TryRender(
        IReadOnlyDictionary<string, string>? fields,
        [NotNullWhen(true)] out string? text,
        [NotNullWhen(false)] out string? missingPlaceholder)
    {
        if (!HasPlaceholders)
        {
            text = Body;
            missingPlaceholder = null;
            return true;
        }

        missingPlaceholder = FirstMissing(fields);
        if (missingPlaceholder is not null)
        {
            text = null;
            return false;
        }

        var builder = new StringBuilder(Body.Length + 32);
        foreach (var segment in segments)
        {
            builder.Append(segment.IsField ? fields![segment.Text] : segment.Text);
        }

        text = builder.ToString();
        return true;
    }

    /// <summary>The first placeholder (in order of appearance) with no value in <paramref name="fields"/>, or null.</summary>
    public string? FirstMissing(IReadOnlyDictionary<string, string>? fields)
    {
        foreach (var name in Placeholders)
        {
            if (fields is null || !fields.ContainsKey(name))
            {
                return name;
            }
        }

        return null;
    }

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct TemplateSegment(string Text, bool IsField)
    {
        public static TemplateSegment Literal(string text) => new(text, false);

        public static TemplateSegment Field(string name) => new(name, true);
    }
}
