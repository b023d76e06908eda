using System.Buffers;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.ContentPolicy;

/// <summary>
/// Blocks messages whose sender or body contains a forbidden term. Build once (terms are folded and indexed by their
/// first word up front) and share: <see cref="Check"/> is thread-safe.
/// </summary>
/// <remarks>
/// Matching is on whole words, case- and accent-insensitive: <c>ass</c> does not match <c>class</c>, <c>viagra</c>
/// matches <c>VIÀGRA</c>. A multi-word term matches the same words separated by any run of spaces or punctuation
/// (<c>free money</c> matches <c>FREE...money</c>). A run of three or more single letters is also read as one word,
/// which catches the simplest obfuscation (<c>V.I.A.G.R.A</c>, <c>v i a g r a</c>) for single-word terms; the run
/// must spell the whole term, so <c>a s s e t s</c> does not match <c>ass</c>.
/// </remarks>
public sealed class ContentPolicyChecker
{
    private const int MinimumSpelledOutRun = 3;
    private readonly Index senderIndex = new();
    private readonly Index bodyIndex = new();

    public ContentPolicyChecker(IEnumerable<ForbiddenTerm> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        foreach (var term in terms)
        {
            var words = TextFolding.Words(term.Term);
            if (words.Count == 0)
            {
                continue; // a term of only punctuation could never match a word
            }

            var compiled = new CompiledTerm(term, [.. words]);
            if (term.Scope is ContentPolicyScope.Sender or ContentPolicyScope.Both)
            {
                senderIndex.Add(compiled);
            }

            if (term.Scope is ContentPolicyScope.Body or ContentPolicyScope.Both)
            {
                bodyIndex.Add(compiled);
            }
        }
    }

    /// <summary>A checker with no terms: everything is allowed.</summary>
    public static ContentPolicyChecker Empty { get; } = new([]);

    /// <summary>The first forbidden term found, looking at the sender first and then the body.</summary>
    public ContentPolicyVerdict Check(string? sender, string? body)
    {
        var hit = senderIndex.Find(sender);
        if (hit is not null)
        {
            return Blocked(hit, "sender");
        }

        hit = bodyIndex.Find(body);
        return hit is null ? ContentPolicyVerdict.Allowed : Blocked(hit, "body");
    }

    /// <summary>Only the body (e.g. a per-recipient rendering whose sender was already checked).</summary>
    public ContentPolicyVerdict CheckBody(string? body)
    {
        var hit = bodyIndex.Find(body);
        return hit is null ? ContentPolicyVerdict.Allowed : Blocked(hit, "body");
    }

    private static ContentPolicyVerdict Blocked(CompiledTerm hit, string field) => new(
        true, hit.Source.Id, hit.Source.Term, field, $"The {field} contains the forbidden term '{hit.Source.Term}'.");

    private sealed record CompiledTerm(ForbiddenTerm Source, string[] Words);

    private sealed class Index
    {
        private readonly Dictionary<string, List<CompiledTerm>> byFirstWord = new(StringComparer.Ordinal);
        private Dictionary<string, List<CompiledTerm>>.AlternateLookup<ReadOnlySpan<char>> lookup;
        private bool hasSingleWordTerms;
        private int longestSingleWord;

        public Index() => lookup = byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();

        public void Add(CompiledTerm term)
        {
            if (!byFirstWord.TryGetValue(term.Words[0], out var list))
            {
                byFirstWord[term.Words[0]] = list = [];
                lookup = byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
            }

            list.Add(term);
            if (term.Words.Length == 1)
            {
                hasSingleWordTerms = true;
                longestSingleWord = Math.Max(longestSingleWord, term.Words[0].Length);
            }
        }

        public CompiledTerm? Find(string? text)
        {
            if (string.IsNullOrEmpty(text) || byFirstWord.Count == 0)
            {
                return null;
            }

            var buffer = ArrayPool<char>.Shared.Rent(text.Length);
            var words = ArrayPool<Range>.Shared.Rent((text.Length / 2) + 1);
            try
            {
                var count = Tokenize(text, buffer, words);
                return FindWords(buffer, words.AsSpan(0, count)) ?? FindSpelledOut(buffer, words.AsSpan(0, count));
            }
            finally
            {
                ArrayPool<char>.Shared.Return(buffer);
                ArrayPool<Range>.Shared.Return(words);
            }
        }

        private static int Tokenize(string text, char[] buffer, Range[] words)
        {
            var length = 0;
            var count = 0;
            var start = -1;
            foreach (var c in text)
            {
                var folded = TextFolding.Fold(c);
                if (folded == TextFolding.Ignored)
                {
                    continue;
                }

                if (folded == TextFolding.Separator)
                {
                    if (start >= 0)
                    {
                        words[count++] = start..length;
                        start = -1;
                    }

                    continue;
                }

                if (start < 0)
                {
                    start = length;
                }

                buffer[length++] = folded;
            }

            if (start >= 0)
            {
                words[count++] = start..length;
            }

            return count;
        }

        private CompiledTerm? FindWords(char[] buffer, ReadOnlySpan<Range> words)
        {
            for (var i = 0; i < words.Length; i++)
            {
                if (!lookup.TryGetValue(buffer.AsSpan()[words[i]], out var candidates))
                {
                    continue;
                }

                foreach (var candidate in candidates)
                {
                    if (Matches(candidate, buffer, words, i))
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }

        private static bool Matches(CompiledTerm term, char[] buffer, ReadOnlySpan<Range> words, int at)
        {
            if (at + term.Words.Length > words.Length)
            {
                return false;
            }

            for (var k = 1; k < term.Words.Length; k++)
            {
                if (!buffer.AsSpan()[words[at + k]].SequenceEqual(term.Words[k]))
                {
                    return false;
                }
            }

            return true;
        }

        private CompiledTerm? FindSpelledOut(char[] buffer, ReadOnlySpan<Range> words)
        {
            if (!hasSingleWordTerms)
            {
                return null;
            }

            const int MaxRun = 256;
            Span<char> joined = stackalloc char[MaxRun];
            var i = 0;
            while (i < words.Length)
            {
                var run = i;
                while (run < words.Length && words[run].GetOffsetAndLength(buffer.Length).Length == 1)
                {
                    run++;
                }

                if (run - i >= MinimumSpelledOutRun)
                {
                    var letters = joined[..Math.Min(run - i, MaxRun)];
                    for (var k = 0; k < letters.Length; k++)
                    {
                        letters[k] = buffer[words[i + k].Start.Value];
                    }

                    var hit = FindInside(letters);
                    if (hit is not null)
                    {
                        return hit;
                    }
                }

                i = Math.Max(run, i + 1);
            }

            return null;
        }

        // The whole run must spell the term: searching inside it would find "ass" in "a s s e t s".
        private CompiledTerm? FindInside(ReadOnlySpan<char> letters)
        {
            if (letters.Length <= longestSingleWord && lookup.TryGetValue(letters, out var candidates))
            {
                foreach (var candidate in candidates)
                {
                    if (candidate.Words.Length == 1)
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }
    }
}
