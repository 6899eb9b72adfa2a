namespace Carrier.Imap.Protocol;

/// <summary>The sort keys of RFC 5256 §3 and RFC 5957 (DISPLAYFROM, DISPLAYTO).</summary>
public enum SortKeyKind
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// <summary>One sort key, in reverse order when REVERSE came before it.</summary>
public sealed record SortCriterion(SortKeyKind Key, bool Reverse);

/// <summary>The parenthesised sort program of SORT: <c>"(" [REVERSE SP] key *(SP [REVERSE SP] key) ")"</c>.</summary>
public static class SortCriteria
{
    /// <summary>More keys than there are kinds (each with and without REVERSE) can only repeat themselves.</summary>
    private const int MaxKeys = 32;

    /// <summary>Reads the program; null with the reason when it is not one.</summary>
    public static IReadOnlyList<SortCriterion>? Parse(ImapReader reader, out string error)
    {
        error = "SORT (sort-keys) charset criteria";
        if (!reader.TryRead((byte)'('))
        {
            return null;
        }

        var criteria = new List<SortCriterion>();
        do
        {
            if (!reader.TryReadAtom(out string word))
            {
                return null;
            }

            bool reverse = word.Equals("REVERSE", StringComparison.OrdinalIgnoreCase);
            if (reverse && (!reader.Space() || !reader.TryReadAtom(out word)))
            {
                error = "REVERSE must be followed by a sort key";
                return null;
            }

            if (KeyOf(word) is not { } key)
            {
                error = $"Unknown sort key {word}";
                return null;
            }

            if (criteria.Count == MaxKeys)
            {
                error = $"More than {MaxKeys} sort keys";
                return null;
            }

            criteria.Add(new SortCriterion(key, reverse));
        }
        while (reader.Space());

        return reader.TryRead((byte)')') ? criteria : null;
    }

    private static SortKeyKind? KeyOf(string word) => word.ToUpperInvariant() switch
    {
        "ARRIVAL" => SortKeyKind.Arrival,
        "CC" => SortKeyKind.Cc,
        "DATE" => SortKeyKind.Date,
        "FROM" => SortKeyKind.From,
        "SIZE" => SortKeyKind.Size,
        "SUBJECT" => SortKeyKind.Subject,
        "TO" => SortKeyKind.To,
        "DISPLAYFROM" => SortKeyKind.DisplayFrom,
        "DISPLAYTO" => SortKeyKind.DisplayTo,
        _ => null,
    };
}
