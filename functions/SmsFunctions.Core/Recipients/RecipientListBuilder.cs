namespace SmsFunctions.Core.Recipients;

/// <summary>
/// Turns the client's raw recipient entries into a de-duplicated list of valid recipients plus every rejected
/// entry with its reason: nothing is dropped silently.
/// </summary>
/// <remarks>
/// Duplicates are detected on the E.164 form, so <c>+39-3331234567</c> and <c>+393331234567</c> are one recipient,
/// kept at the position of its first occurrence. Fields merge key by key and the first occurrence wins: a later
/// duplicate only adds keys the earlier entries did not have. That makes the result independent of how many times
/// a list was re-sent with corrections appended, and never lets a later entry silently rewrite what was first asked.
/// </remarks>
public static class RecipientListBuilder
{
    public static RecipientList Build(IEnumerable<RecipientInput> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var capacity = entries is IReadOnlyCollection<RecipientInput> c ? c.Count : 0;
        var valid = new List<AddressedRecipient>(capacity);
        var index = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        var invalid = new List<InvalidRecipient>();
        var duplicates = 0;

        foreach (var entry in entries)
        {
            var parsed = PhoneNumberParser.Parse(entry?.Number);
            if (!parsed.IsValid)
            {
                invalid.Add(parsed.Invalid);
                continue;
            }

            if (index.TryGetValue(parsed.Recipient.Number, out var at))
            {
                duplicates++;
                var merged = Merge(valid[at].Fields, entry!.Fields);
                if (!ReferenceEquals(merged, valid[at].Fields))
                {
                    valid[at] = valid[at] with { Fields = merged };
                }

                continue;
            }

            index.Add(parsed.Recipient.Number, valid.Count);
            valid.Add(new AddressedRecipient(parsed.Recipient, entry!.Fields));
        }

        return new RecipientList(valid, invalid, duplicates);
    }

    private static IReadOnlyDictionary<string, string>? Merge(
        IReadOnlyDictionary<string, string>? first, IReadOnlyDictionary<string, string>? later)
    {
        if (later is null || later.Count == 0)
        {
            return first;
        }

        if (first is null || first.Count == 0)
        {
            return later;
        }

        Dictionary<string, string>? merged = null;
        foreach (var (key, value) in later)
        {
            if (!first.ContainsKey(key))
            {
                merged ??= new Dictionary<string, string>(first, StringComparer.Ordinal);
                merged[key] = value;
            }
        }

        return merged ?? first;
    }
}
