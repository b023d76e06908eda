using System.Collections.Frozen;
using System.Text;

namespace SmsFunctions.Core.Lifecycle;

/// <summary>UPPER_SNAKE API names for <see cref="MessageState"/> and <see cref="RecipientState"/> (e.g. <c>PARTIALLY_DELIVERED</c>).</summary>
public static class LifecycleApiNames
{
    private static readonly FrozenDictionary<MessageState, string> MessageNames = Names<MessageState>();
    private static readonly FrozenDictionary<RecipientState, string> RecipientNames = Names<RecipientState>();
    private static readonly FrozenDictionary<string, MessageState> MessageByName = Invert(MessageNames);
    private static readonly FrozenDictionary<string, RecipientState> RecipientByName = Invert(RecipientNames);

    public static string ToApiName(this MessageState state)
        => MessageNames.TryGetValue(state, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown message state.");

    public static string ToApiName(this RecipientState state)
        => RecipientNames.TryGetValue(state, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown recipient state.");

    /// <summary>Parses an UPPER_SNAKE name, case-insensitively.</summary>
    public static bool TryParseApiName(string? name, out MessageState state)
        => MessageByName.TryGetValue(name ?? string.Empty, out state);

    /// <summary>Parses an UPPER_SNAKE name, case-insensitively.</summary>
    public static bool TryParseApiName(string? name, out RecipientState state)
        => RecipientByName.TryGetValue(name ?? string.Empty, out state);

    private static FrozenDictionary<T, string> Names<T>()
        where T : struct, Enum
        => Enum.GetValues<T>().ToFrozenDictionary(v => v, v => UpperSnake(v.ToString()));

    private static FrozenDictionary<string, T> Invert<T>(FrozenDictionary<T, string> names)
        where T : struct, Enum
        => names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    private static string UpperSnake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(pascal[i]));
        }

        return builder.ToString();
    }
}
