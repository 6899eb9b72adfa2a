using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Carrier.Imap.Protocol;

/// <summary>
/// Writes responses, choosing for each string the safest form that carries it: an atom where the grammar
/// allows one, a quoted string for short printable text, and a literal for everything else (CR, LF, NUL,
/// quotes in odd places, long text, 8-bit text before UTF8=ACCEPT).
/// </summary>
public sealed class ResponseWriter
{
    private const int MaxQuoted = 1024;

    private readonly Func<PipeWriter> _output;

    /// <param name="output">The current output (it changes when TLS starts).</param>
    public ResponseWriter(Func<PipeWriter> output)
    {
        _output = output;
    }

    /// <summary>Whether UTF-8 may appear in quoted strings and mailbox names (RFC 6855 UTF8=ACCEPT enabled).</summary>
    public bool Utf8 { get; set; }

    /// <summary>Octets written but not yet flushed, to flush long responses in pieces.</summary>
    public long Unflushed => _output().UnflushedBytes;

    public ResponseWriter Text(string text)
    {
        var output = _output();
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        int n = Encoding.UTF8.GetBytes(text, span);
        output.Advance(n);
        return this;
    }

    public ResponseWriter Number(ulong value) => Text(value.ToString(CultureInfo.InvariantCulture));

    public ResponseWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _output().Write(bytes);
        return this;
    }

    public ResponseWriter EndLine() => Bytes("\r\n"u8);

    public ResponseWriter Line(string text) => Text(text).EndLine();

    /// <summary>A literal: <c>{n}</c> CRLF and the octets.</summary>
    public ResponseWriter Literal(ReadOnlySpan<byte> bytes)
    {
        Text("{").Number((ulong)bytes.Length).Text("}").EndLine();
        return Bytes(bytes);
    }

    /// <summary>A literal8 (<c>~{n}</c>, RFC 3516) for BINARY content that may hold NUL.</summary>
    public ResponseWriter Literal8(ReadOnlySpan<byte> bytes)
    {
        Text("~{").Number((ulong)bytes.Length).Text("}").EndLine();
        return Bytes(bytes);
    }

    /// <summary>string: quoted when that is safe, a literal otherwise.</summary>
    public ResponseWriter String(string value)
    {
        if (CanQuote(value))
        {
            var quoted = new StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                if (c is '"' or '\\')
                {
                    quoted.Append('\\');
                }

                quoted.Append(c);
            }

            return Text(quoted.Append('"').ToString());
        }

        return Literal(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>astring: an atom when the value is one (and is not NIL), a string otherwise.</summary>
    public ResponseWriter AString(string value) =>
        ImapSyntax.IsAtom(value) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? Text(value) : String(value);

    public ResponseWriter NString(string? value) => value is null ? Text("NIL") : String(value);

    /// <summary>A mailbox name: UTF-8 after ENABLE UTF8=ACCEPT, modified UTF-7 before.</summary>
    public ResponseWriter Mailbox(string name) => AString(Utf8 ? name : MailboxNames.EncodeModifiedUtf7(name));

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => _output().FlushAsync(cancellationToken);

    private bool CanQuote(string value)
    {
        if (value.Length > MaxQuoted)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is '\r' or '\n' or '\0' || (c > 0x7E && !Utf8) || (c < 0x20 && c != '\t'))
            {
                return false;
            }
        }

        return true;
    }
}
