using System.Text;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>
/// A message's top-level header as raw octets, split into fields (a line that starts with a name and a colon,
/// with the continuation lines after it) only when a field of a given name is asked for. Only those fields go
/// through MimeKit's header parser, and not even those whose raw octets show the text cannot be there, so a
/// search for one field costs a scan of the block and at most a small parse.
/// </summary>
internal sealed class HeaderBlock(ReadOnlyMemory<byte> octets)
{
    /// <summary>Where the header ends (after its blank line), or the whole input when there is no blank line.</summary>
    public static int LengthOf(ReadOnlySpan<byte> message, out bool complete)
    {
        int lineStart = 0;
        while (lineStart < message.Length)
        {
            int newline = message[lineStart..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            int lineLength = newline;
            if (lineLength > 0 && message[lineStart + lineLength - 1] == '\r')
            {
                lineLength--;
            }

            if (lineLength == 0)
            {
                complete = true;
                return lineStart + newline + 1;
            }

            lineStart += newline + 1;
        }

        complete = false;
        return message.Length;
    }

    /// <summary>The fields of that name, parsed; those that <see cref="CannotContain"/> the value are skipped unparsed.</summary>
    public IEnumerable<Header> Named(string field, string value)
    {
        var fieldOctets = Encoding.UTF8.GetBytes(field);
        int position = 0;
        while (position < octets.Length)
        {
            int start = position;
            position = EndOfField(octets.Span, start);
            if (position == start)
            {
                yield break;
            }

            int colon = octets.Span[start..position].IndexOf((byte)':');
            if (colon < 0 || !Ascii.EqualsIgnoreCase(octets.Span[start..(start + colon)].TrimEnd(" \t"u8), fieldOctets)
                || CannotContain(octets.Span[(start + colon + 1)..position], value))
            {
                continue;
            }

            if (Header.TryParse(octets[start..position].ToArray(), 0, position - start, out var header))
            {
                yield return header;
            }
        }
    }

    /// <summary>
    /// Whether a raw field value certainly does not contain the text, decoded or not: true only for plain ASCII
    /// (no encoded words, quotes, escapes or comments, which decoding could change) and a text of ASCII without
    /// white space (which could not span a folded line), when the octets do not contain it in any case.
    /// </summary>
    internal static bool CannotContain(ReadOnlySpan<byte> rawValue, string value)
    {
        if (value.Length == 0 || !Ascii.IsValid(value) || value.AsSpan().IndexOfAny(" \t\r\n") >= 0
            || !Ascii.IsValid(rawValue) || rawValue.IndexOf("=?"u8) >= 0 || rawValue.IndexOfAny("\"\\("u8) >= 0)
        {
            return false;
        }

        Span<byte> needle = value.Length <= 256 ? stackalloc byte[value.Length] : new byte[value.Length];
        Ascii.FromUtf16(value, needle, out _);
        byte lower = (byte)char.ToLowerInvariant((char)needle[0]);
        byte upper = (byte)char.ToUpperInvariant((char)needle[0]);
        for (int from = 0; from <= rawValue.Length - needle.Length;)
        {
            int found = rawValue[from..].IndexOfAny(lower, upper);
            if (found < 0 || from + found > rawValue.Length - needle.Length)
            {
                return true;
            }

            if (Ascii.EqualsIgnoreCase(rawValue.Slice(from + found, needle.Length), needle))
            {
                return false;
            }

            from += found + 1;
        }

        return true;
    }

    /// <summary>The end of the field that starts at <paramref name="start"/> (its continuation lines included); start itself at the blank line.</summary>
    private static int EndOfField(ReadOnlySpan<byte> octets, int start)
    {
        if (octets[start] is (byte)'\r' or (byte)'\n')
        {
            return start;
        }

        int position = start;
        while (position < octets.Length)
        {
            int newline = octets[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return octets.Length;
            }

            position += newline + 1;
            if (position >= octets.Length || octets[position] is not ((byte)' ' or (byte)'\t'))
            {
                return position;
            }
        }

        return position;
    }

}
