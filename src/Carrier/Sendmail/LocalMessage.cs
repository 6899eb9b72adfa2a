using System.Text;
using MimeKit;

namespace Carrier.Sendmail;

/// <summary>
/// A message handed in by a local program: read from a stream with LF or CRLF line ends, normalised to
/// CRLF, and completed with the headers a message must have (From:, Date:, Message-ID:), as Postfix's
/// cleanup does for local submissions.
/// </summary>
internal sealed class LocalMessage
{
    private readonly List<string> _headerLines;
    private readonly List<byte[]> _bodyLines;

    private LocalMessage(List<string> headerLines, List<byte[]> bodyLines)
    {
        _headerLines = headerLines;
        _bodyLines = bodyLines;
    }

    /// <summary>Reads up to <paramref name="limit"/> octets; null when the input is larger.</summary>
    public static async Task<LocalMessage?> ReadAsync(Stream input, bool ignoreDots, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[65536];
        int read;
        while ((read = await input.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        var lines = SplitLines(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ignoreDots);
        int bodyStart = 0;
        var headers = new List<string>();
        if (lines.Count > 0 && IsFieldStart(lines[0]))
        {
            while (bodyStart < lines.Count && lines[bodyStart].Length > 0 &&
                   (IsFieldStart(lines[bodyStart]) || (headers.Count > 0 && lines[bodyStart][0] is (byte)' ' or (byte)'\t')))
            {
                headers.Add(Encoding.UTF8.GetString(lines[bodyStart]));
                bodyStart++;
            }

            if (bodyStart < lines.Count && lines[bodyStart].Length == 0)
            {
                bodyStart++;
            }
        }

        return new LocalMessage(headers, lines.GetRange(bodyStart, lines.Count - bodyStart));
    }

    /// <summary>Values of the named header fields, unfolded.</summary>
    public IEnumerable<string> Values(string name)
    {
        foreach (var (field, value) in Fields())
        {
            if (field.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                yield return value;
            }
        }
    }

    public bool Has(string name) => Values(name).Any();

    /// <summary>The addresses in To:, Cc: and Bcc: (for -t).</summary>
    public List<string> HeaderRecipients()
    {
        var recipients = new List<string>();
        foreach (string name in new[] { "To", "Cc", "Bcc" })
        {
            foreach (string value in Values(name))
            {
                if (InternetAddressList.TryParse(value, out var list))
                {
                    recipients.AddRange(list.Mailboxes.Select(m => m.Address));
                }
            }
        }

        return recipients;
    }

    /// <summary>The message in wire form: the given header lines first, then its own (Bcc: removed if asked), then the body.</summary>
    public byte[] ToBytes(IEnumerable<string> prepend, bool removeBcc)
    {
        using var output = new MemoryStream();
        void Line(ReadOnlySpan<byte> line)
        {
            output.Write(line);
            output.Write("\r\n"u8);
        }

        foreach (string header in prepend)
        {
            Line(Encoding.UTF8.GetBytes(header));
        }

        bool skipping = false;
        foreach (string header in _headerLines)
        {
            bool continuation = header.Length > 0 && header[0] is ' ' or '\t';
            if (!continuation)
            {
                skipping = removeBcc && FieldName(header).Equals("Bcc", StringComparison.OrdinalIgnoreCase);
            }

            if (!skipping)
            {
                Line(Encoding.UTF8.GetBytes(header));
            }
        }

        Line([]);
        foreach (var line in _bodyLines)
        {
            Line(line);
        }

        return output.ToArray();
    }

    private IEnumerable<(string Name, string Value)> Fields()
    {
        string? name = null;
        var value = new StringBuilder();
        foreach (string header in _headerLines)
        {
            if (header.Length > 0 && header[0] is ' ' or '\t')
            {
                value.Append(header);
                continue;
            }

            if (name is not null)
            {
                yield return (name, value.ToString().Trim());
            }

            name = FieldName(header);
            value.Clear().Append(header.AsSpan(header.IndexOf(':') + 1));
        }

        if (name is not null)
        {
            yield return (name, value.ToString().Trim());
        }
    }

    private static string FieldName(string header)
    {
        int colon = header.IndexOf(':');
        return colon < 0 ? header : header[..colon].TrimEnd();
    }

    // RFC 5322 §2.2: field-name is printable ASCII except ':', then ':'.
    private static bool IsFieldStart(byte[] line)
    {
        int colon = Array.IndexOf(line, (byte)':');
        if (colon <= 0)
        {
            return false;
        }

        for (int i = 0; i < colon; i++)
        {
            if (line[i] is < 33 or > 126)
            {
                return i > 0 && line.AsSpan(i, colon - i).Trim((byte)' ').IsEmpty;
            }
        }

        return true;
    }

    private static List<byte[]> SplitLines(ReadOnlySpan<byte> content, bool ignoreDots)
    {
        var lines = new List<byte[]>();
        while (!content.IsEmpty)
        {
            int lf = content.IndexOf((byte)'\n');
            var line = lf < 0 ? content : content[..lf];
            content = lf < 0 ? [] : content[(lf + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!ignoreDots && line.Length == 1 && line[0] == (byte)'.')
            {
                break;
            }

            lines.Add(line.ToArray());
        }

        return lines;
    }
}
