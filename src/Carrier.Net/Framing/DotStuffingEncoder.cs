using System.Buffers;

namespace Carrier.Net.Framing;

/// <summary>
/// Prepares message content for DATA (RFC 5321 §4.5.2): doubles a period at the start of a line, makes every
/// line end CRLF (a lone CR or LF becomes CRLF, so nothing this server relays can smuggle a command), and
/// closes with CRLF "." CRLF. Resumable across chunks. Used by the SMTP client for DATA and by POP3 for RETR and TOP (RFC 1939 §3).
/// </summary>
public sealed class DotStuffingEncoder
{
    private bool _atLineStart = true;
    private bool _pendingCr;

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        // Worst case: every byte doubles (a line of "." lines, or bare LFs growing to CRLF).
        var span = output.GetSpan((input.Length * 2) + 2);
        int n = 0;
        foreach (byte b in input)
        {
            if (_pendingCr)
            {
                _pendingCr = false;
                span[n++] = (byte)'\r';
                span[n++] = (byte)'\n';
                _atLineStart = true;
                if (b == (byte)'\n')
                {
                    continue;
                }
            }

            switch (b)
            {
                case (byte)'\r':
                    _pendingCr = true;
                    break;
                case (byte)'\n':
                    span[n++] = (byte)'\r';
                    span[n++] = (byte)'\n';
                    _atLineStart = true;
                    break;
                default:
                    if (_atLineStart && b == (byte)'.')
                    {
                        span[n++] = (byte)'.';
                    }

                    span[n++] = b;
                    _atLineStart = false;
                    break;
            }
        }

        output.Advance(n);
    }

    /// <summary>Ends the content: a final CRLF if the last line lacked one, then ".\r\n".</summary>
    public void Finish(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(5);
        int n = 0;
        if (_pendingCr || !_atLineStart)
        {
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
        }

        span[n++] = (byte)'.';
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
        _pendingCr = false;
        _atLineStart = true;
    }
}
