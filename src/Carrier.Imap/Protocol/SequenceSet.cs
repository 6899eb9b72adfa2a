using System.Globalization;
using System.Text;

namespace Carrier.Imap.Protocol;

/// <summary>
/// A sequence set (RFC 9051 §9: seq-number, seq-range, lists; "*" is the largest number in use). Kept as
/// ranges and resolved against the mailbox, so "1:*" costs nothing however large the numbers are.
/// </summary>
public sealed class SequenceSet
{
    // 0 stands for "*" in a range end; real numbers start at 1.
    private const uint Star = 0;
    private const int MaxRanges = 4096;

    private readonly (uint First, uint Last)[] _ranges;

    private SequenceSet((uint First, uint Last)[] ranges, bool isSearchResult = false)
    {
        _ranges = ranges;
        IsSearchResult = isSearchResult;
    }

    /// <summary>The set that names no message (an empty saved search result, RFC 5182).</summary>
    public static SequenceSet Empty { get; } = new([]);

    /// <summary>"$": the result of the last SEARCH ... RETURN (SAVE) (RFC 5182 §2.1); the session resolves it.</summary>
    public static SequenceSet SearchResult { get; } = new([], isSearchResult: true);

    public IReadOnlyList<(uint First, uint Last)> Ranges => _ranges;

    /// <summary>Whether this is the "$" marker rather than numbers; as numbers it names nothing.</summary>
    public bool IsSearchResult { get; }

    /// <summary>The set of the given numbers (UIDs of a saved search result), as ranges.</summary>
    public static SequenceSet FromNumbers(IEnumerable<uint> numbers)
    {
        var ranges = new List<(uint, uint)>();
        foreach (uint number in numbers.Where(n => n > 0).Distinct().Order())
        {
            if (ranges.Count > 0 && ranges[^1].Item2 + 1 == number)
            {
                ranges[^1] = (ranges[^1].Item1, number);
            }
            else
            {
                ranges.Add((number, number));
            }
        }

        return new SequenceSet([.. ranges]);
    }

    public static bool TryParse(string text, out SequenceSet set)
    {
        set = Empty;
        if (text == "$")
        {
            set = SearchResult;
            return true;
        }

        if (text.Length == 0)
        {
            return false;
        }

        var parts = text.Split(',');
        if (parts.Length > MaxRanges)
        {
            return false;
        }

        var ranges = new (uint, uint)[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (!TryParseNumber(part, out uint single))
                {
                    return false;
                }

                ranges[i] = (single, single);
            }
            else if (!TryParseNumber(part[..colon], out uint first) || !TryParseNumber(part[(colon + 1)..], out uint last))
            {
                return false;
            }
            else
            {
                ranges[i] = (first, last);
            }
        }

        set = new SequenceSet(ranges);
        return true;
    }

    /// <summary>Whether <paramref name="number"/> is in the set, with "*" meaning <paramref name="largest"/>.</summary>
    public bool Contains(uint number, uint largest)
    {
        foreach (var (first, last) in _ranges)
        {
            uint a = first == Star ? largest : first;
            uint b = last == Star ? largest : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            if (number >= a && number <= b)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The indexes of the sorted <paramref name="numbers"/> that are in the set.</summary>
    public List<int> Select(IReadOnlyList<uint> numbers)
    {
        var chosen = new List<int>();
        if (numbers.Count == 0)
        {
            return chosen;
        }

        uint largest = numbers[^1];
        var selected = new bool[numbers.Count];
        foreach (var (first, last) in _ranges)
        {
            uint a = first == Star ? largest : first;
            uint b = last == Star ? largest : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            int index = LowerBound(numbers, a);
            for (; index < numbers.Count && numbers[index] <= b; index++)
            {
                selected[index] = true;
            }
        }

        for (int i = 0; i < selected.Length; i++)
        {
            if (selected[i])
            {
                chosen.Add(i);
            }
        }

        return chosen;
    }

    /// <summary>Whether every number is at most <paramref name="largest"/> (message numbers must exist, RFC 9051 §6.4.5).</summary>
    public bool AllWithin(uint largest)
    {
        foreach (var (first, last) in _ranges)
        {
            if (first > largest || last > largest)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The shortest sequence-set text for ascending or unordered numbers (used for UID lists in responses).</summary>
    public static string Format(IEnumerable<uint> numbers)
    {
        var sorted = numbers.Distinct().Order().ToList();
        var text = new StringBuilder();
        for (int i = 0; i < sorted.Count; i++)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append(':').Append(sorted[j].ToString(CultureInfo.InvariantCulture));
            }

            i = j;
        }

        return text.ToString();
    }

    /// <summary>UIDs in the order given, as a sequence set that keeps the order (COPYUID pairs source and target by position).</summary>
    public static string FormatInOrder(IReadOnlyList<uint> numbers)
    {
        var text = new StringBuilder();
        for (int i = 0; i < numbers.Count; i++)
        {
            int j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1)
            {
                j++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(numbers[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append(':').Append(numbers[j].ToString(CultureInfo.InvariantCulture));
            }

            i = j;
        }

        return text.ToString();
    }

    private static int LowerBound(IReadOnlyList<uint> numbers, uint value)
    {
        int low = 0;
        int high = numbers.Count;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (numbers[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static bool TryParseNumber(string text, out uint number)
    {
        number = Star;
        if (text == "*")
        {
            return true;
        }

        // nz-number: no leading zero, not zero, at most 32 bits.
        return text.Length is > 0 and <= 10 && text[0] != '0' && text.All(char.IsAsciiDigit)
            && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
