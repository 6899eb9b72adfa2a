using System.Text;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>
/// A message's top-level header as raw octets, split into fields (a line that starts with a name and a colon,
/// with the continuation lines after it) only when a field of a given name is asked for. Only those fields go
/// through MimeKit's header parser, so a search for one field costs a scan of the block and one small parse.
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

    public IEnumerable<Header> Named(string field)
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

            if (HasName(octets.Span[start..position], fieldOctets) && Header.TryParse(octets[start..position].ToArray(), 0, position - start, out var header))
            {
                yield return header;
            }
        }
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

    private static bool HasName(ReadOnlySpan<byte> line, ReadOnlySpan<byte> name)
    {
        int colon = line.IndexOf((byte)':');
        return colon >= 0 && Ascii.EqualsIgnoreCase(line[..colon].TrimEnd(" \t"u8), name);
    }
}
