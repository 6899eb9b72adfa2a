using System.Text;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>Writes IMAP strings (RFC 9051 §4.3): quoted where that is safe, a literal otherwise.</summary>
internal static class ImapWireText
{
    /// <summary>Longer values go as literals, which clients read without scanning for quotes.</summary>
    private const int MaxQuotedLength = 1024;

    public static void AppendNString(StringBuilder output, string? value)
    {
        if (value is null)
        {
            output.Append("NIL");
        }
        else
        {
            AppendString(output, value);
        }
    }

    public static void AppendString(StringBuilder output, string value)
    {
        // NUL can appear in neither form; a header that carries one is damaged anyway.
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            value = value.Replace("\0", string.Empty, StringComparison.Ordinal);
        }

        if (value.Length <= MaxQuotedLength && IsQuotable(value))
        {
            output.Append('"');
            foreach (char c in value)
            {
                if (c is '"' or '\\')
                {
                    output.Append('\\');
                }

                output.Append(c);
            }

            output.Append('"');
            return;
        }

        // 8-bit text is valid in a literal for IMAP4rev1 clients as well as IMAP4rev2 ones.
        output.Append('{').Append(Encoding.UTF8.GetByteCount(value)).Append("}\r\n").Append(value);
    }

    /// <summary>A header's value as it is in the message: raw octets as UTF-8, unfolded, trimmed; null when absent.</summary>
    public static string? RawHeader(HeaderList headers, HeaderId id)
    {
        int index = headers.IndexOf(id);
        return index < 0 ? null : Unfold(headers[index].RawValue);
    }

    public static string Unfold(byte[] raw)
    {
        string text = Encoding.UTF8.GetString(raw);
        return text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
    }

    private static bool IsQuotable(string value)
    {
        foreach (char c in value)
        {
            if (c is '\r' or '\n' || c > 0x7e || (c < 0x20 && c != '\t'))
            {
                return false;
            }
        }

        return true;
    }
}
