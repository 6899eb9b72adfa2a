using System.Buffers;
using System.Text;

namespace Carrier.Smtp.Protocol;

/// <summary>
/// One SMTP reply: a code, an optional enhanced status code (RFC 3463, advertised by RFC 2034's
/// ENHANCEDSTATUSCODES) and one or more lines of text.
/// </summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, string? status, string text)
        : this(code, status, [text])
    {
    }

    public SmtpReply(int code, string? status, IReadOnlyList<string> lines)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "SMTP reply codes are 2xx to 5xx.");
        }

        if (lines.Count == 0)
        {
            throw new ArgumentException("A reply has at least one line.", nameof(lines));
        }

        Code = code;
        Status = status;
        Lines = lines;
    }

    public int Code { get; }

    /// <summary>The enhanced status code such as <c>5.1.1</c>, or null for replies that carry none (greeting, EHLO).</summary>
    public string? Status { get; }

    public IReadOnlyList<string> Lines { get; }

    public string Text => string.Join(" ", Lines);

    public bool IsPositive => Code < 400;

    public bool IsTransientFailure => Code is >= 400 and < 500;

    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Writes the reply in wire form, CRLF after every line.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        for (int i = 0; i < Lines.Count; i++)
        {
            string line = FormatLine(i);
            int max = Encoding.UTF8.GetMaxByteCount(line.Length);
            var span = output.GetSpan(max);
            int written = Encoding.UTF8.GetBytes(line, span);
            output.Advance(written);
        }
    }

    /// <summary>The reply as it appears on the wire, with CRLF line ends.</summary>
    public string ToWireString()
    {
        var builder = new StringBuilder();
        for (int i = 0; i < Lines.Count; i++)
        {
            builder.Append(FormatLine(i));
        }

        return builder.ToString();
    }

    /// <summary>The reply on one line, for logs and DSNs: <c>550 5.1.1 No such user</c>.</summary>
    public override string ToString() => Status is null ? $"{Code} {Text}" : $"{Code} {Status} {Text}";

    private string FormatLine(int index)
    {
        char separator = index == Lines.Count - 1 ? ' ' : '-';
        return Status is null
            ? $"{Code}{separator}{Lines[index]}\r\n"
            : $"{Code}{separator}{Status} {Lines[index]}\r\n";
    }
}
