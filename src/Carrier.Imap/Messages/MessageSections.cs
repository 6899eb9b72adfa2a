using System.Text;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>Cuts the octets a BODY[section] or BINARY[section] names out of a stored message.</summary>
public static class MessageSections
{
    private static readonly byte[] BlankLine = "\r\n"u8.ToArray();

    private static readonly HashSet<string> KnownEncodings = new(StringComparer.OrdinalIgnoreCase)
    {
        "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode",
    };

    /// <summary>The section's octets as stored; empty when the message has no such part.</summary>
    public static async ValueTask<byte[]> ExtractAsync(Stream message, SectionSpec section, CancellationToken cancellationToken) =>
        Extract(await ReadAllAsync(message, cancellationToken).ConfigureAwait(false), section);

    /// <summary>
    /// The section's octets from a message already in memory. The top-level header and its fields, what mail
    /// clients fetch for every message they list, are cut at the blank line without parsing the MIME structure.
    /// </summary>
    public static byte[] Extract(ReadOnlyMemory<byte> message, SectionSpec section)
    {
        if (section.Part.Count == 0)
        {
            switch (section.Text)
            {
                case SectionText.Full:
                    return message.ToArray();
                case SectionText.Header:
                    return message[..HeaderLength(message.Span)].ToArray();
                case SectionText.HeaderFields:
                    return SelectFields(message.Span[..HeaderLength(message.Span)], section.Fields, include: true);
                case SectionText.HeaderFieldsNot:
                    return SelectFields(message.Span[..HeaderLength(message.Span)], section.Fields, include: false);
            }
        }

        return Extract(MessageLayout.Parse(message), section);
    }

    /// <summary>
    /// The section with its content transfer encoding undone (RFC 3516); null when the encoding is one this
    /// server does not know, which IMAP answers with NO [UNKNOWN-CTE].
    /// </summary>
    public static async ValueTask<byte[]?> DecodeBinaryAsync(Stream message, SectionSpec section, CancellationToken cancellationToken) =>
        await DecodeBinaryAsync(await ReadAllAsync(message, cancellationToken).ConfigureAwait(false), section, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="DecodeBinaryAsync(Stream, SectionSpec, CancellationToken)"/>
    public static async ValueTask<byte[]?> DecodeBinaryAsync(ReadOnlyMemory<byte> message, SectionSpec section, CancellationToken cancellationToken)
    {
        var layout = MessageLayout.Parse(message);
        if (section.Part.Count == 0 || section.Text != SectionText.Full)
        {
            return Extract(layout, section);
        }

        var entity = layout.Resolve(section.Part);
        if (entity is not MimePart part)
        {
            return Extract(layout, section);
        }

        if (ImapWireText.RawHeader(part.Headers, HeaderId.ContentTransferEncoding) is { Length: > 0 } encoding && !KnownEncodings.Contains(encoding))
        {
            return null;
        }

        using var decoded = new MemoryStream();
        if (part.Content is { } content)
        {
            await content.DecodeToAsync(decoded, cancellationToken).ConfigureAwait(false);
        }

        return decoded.ToArray();
    }

    internal static byte[] Extract(MessageLayout layout, SectionSpec section)
    {
        if (section.Part.Count == 0)
        {
            return section.Text == SectionText.Full ? layout.Content.ToArray() : FromMessage(layout, layout.Message, section);
        }

        var entity = layout.Resolve(section.Part);
        if (entity is null)
        {
            return [];
        }

        var extent = layout.Extent(entity);
        return section.Text switch
        {
            SectionText.Full => layout.Slice(extent.HeadersEnd, extent.End).ToArray(),
            SectionText.Mime => layout.Slice(extent.Begin, extent.HeadersEnd).ToArray(),
            _ => entity is MessagePart { Message: { } embedded } ? FromMessage(layout, embedded, section) : [],
        };
    }

    private static byte[] FromMessage(MessageLayout layout, MimeMessage message, SectionSpec section)
    {
        var extent = layout.Extent(message);
        var header = layout.Slice(extent.Begin, extent.HeadersEnd);
        return section.Text switch
        {
            SectionText.Header => header.ToArray(),
            SectionText.Text => layout.Slice(extent.HeadersEnd, extent.End).ToArray(),
            SectionText.HeaderFields => SelectFields(header.Span, section.Fields, include: true),
            SectionText.HeaderFieldsNot => SelectFields(header.Span, section.Fields, include: false),
            _ => layout.Slice(extent.Begin, extent.End).ToArray(),
        };
    }

    /// <summary>A stored message in memory; messages are bounded by the server's size limit.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadAllAsync(Stream message, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await message.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>Octets up to and including the blank line that ends the header; all of them when there is none.</summary>
    private static int HeaderLength(ReadOnlySpan<byte> message)
    {
        if (message.StartsWith("\r\n"u8))
        {
            return 2;
        }

        int end = message.IndexOf("\r\n\r\n"u8);
        return end < 0 ? message.Length : end + 4;
    }

    /// <summary>The header fields named (or all others), each with its continuation lines, then the blank line.</summary>
    private static byte[] SelectFields(ReadOnlySpan<byte> header, IReadOnlyList<string> names, bool include)
    {
        var wanted = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        using var output = new MemoryStream();
        bool keep = false;
        while (!header.IsEmpty)
        {
            int newline = header.IndexOf((byte)'\n');
            var line = newline < 0 ? header : header[..(newline + 1)];
            header = header[line.Length..];
            if (line.SequenceEqual(BlankLine) || line.SequenceEqual("\n"u8))
            {
                break;
            }

            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                int colon = line.IndexOf((byte)':');
                string name = colon < 0 ? string.Empty : Encoding.ASCII.GetString(line[..colon]).TrimEnd();
                keep = colon >= 0 && wanted.Contains(name) == include;
            }

            if (keep)
            {
                output.Write(line);
            }
        }

        output.Write(BlankLine);
        return output.ToArray();
    }
}
