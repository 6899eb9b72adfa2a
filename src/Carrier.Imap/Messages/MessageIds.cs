using System.Buffers;

namespace Carrier.Imap.Messages;

/// <summary>Message identifiers (RFC 5322 §3.6.4 msg-id) as THREAD=REFERENCES reads them from headers.</summary>
public static class MessageIds
{
    /// <summary>Longest identifier kept; anything longer is not a real one (RFC 5322 lines are 998 octets).</summary>
    private const int MaxLength = 998;

    private static readonly SearchValues<char> NotInIdentifier = SearchValues.Create(" \t\r\n<>");

    /// <summary>The valid identifiers of a header value in order: "&lt;left@right&gt;" without white space.</summary>
    public static List<string> All(string? value)
    {
        var ids = new List<string>();
        if (value is null)
        {
            return ids;
        }

        int position = 0;
        while ((position = value.IndexOf('<', position)) >= 0)
        {
            int end = value.IndexOf('>', position + 1);
            if (end < 0)
            {
                break;
            }

            string candidate = value[position..(end + 1)];
            if (IsValid(candidate))
            {
                ids.Add(candidate);
                position = end + 1;
            }
            else
            {
                position++;
            }
        }

        return ids;
    }

    /// <summary>The first valid identifier of a header value, or null.</summary>
    public static string? First(string? value) => All(value) is [var first, ..] ? first : null;

    private static bool IsValid(string candidate)
    {
        if (candidate.Length > MaxLength)
        {
            return false;
        }

        int at = candidate.IndexOf('@', StringComparison.Ordinal);
        return at > 1 && at < candidate.Length - 2 && !candidate.AsSpan(1, candidate.Length - 2).ContainsAny(NotInIdentifier);
    }
}
