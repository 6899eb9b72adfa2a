namespace Carrier.Net.Framing;

/// <summary>Ways message content broke the rules; the message is refused once it has been read to its end.</summary>
[Flags]
public enum DataViolations
{
    None = 0,

    /// <summary>LF without CR before it (RFC 5321 §2.3.8); refused because it is how SMTP smuggling works.</summary>
    BareLineFeed = 1,

    /// <summary>CR without LF after it (RFC 5321 §2.3.8).</summary>
    BareCarriageReturn = 2,

    /// <summary>A NUL octet, which RFC 5322 §2.3 forbids in a message body.</summary>
    NulOctet = 4,

    /// <summary>A line longer than the line limit (RFC 5322 §2.1.1 allows 998 octets).</summary>
    LineTooLong = 8,

    /// <summary>More content than the size limit; what follows the limit is discarded, not stored.</summary>
    TooLarge = 16,
}

/// <summary>How the end of the content is found.</summary>
public enum DataFraming
{
    /// <summary>SMTP DATA: ends at CRLF "." CRLF, with dot-unstuffing (RFC 5321 §4.5.2).</summary>
    DotTerminated,

    /// <summary>BDAT chunks (RFC 3030): the caller counts octets; content passes unchanged.</summary>
    Raw,
}

/// <summary>
/// A resumable, total decoder for message content: it removes dot-stuffing, finds the only
/// legal end marker (CRLF.CRLF), and records violations instead of throwing, so a session
/// can read a bad message to its end, stay in step with the client, and refuse it.
/// </summary>
/// <remarks>
/// Decoding never makes content longer, except that a CR held back at the end of one input (to see
/// whether LF follows) is written with the next: an output span one octet longer than the input is enough.
/// A bare LF never starts a new line here: "\n.\r\n" does not end the message, which is what
/// closes SMTP smuggling.
/// </remarks>
public sealed class DataDecoder
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';

    private readonly DataFraming _framing;
    private readonly long _maxSize;
    private readonly int _maxLineLength;
    private State _state;
    private long _lineLength;

    public DataDecoder(DataFraming framing, long maxSize, int maxLineLength)
    {
        _framing = framing;
        _maxSize = maxSize;
        _maxLineLength = maxLineLength;
        _state = framing == DataFraming.DotTerminated ? State.StartOfLine : State.InLine;
    }

    private enum State
    {
        StartOfLine,
        AfterDot,
        AfterDotCr,
        InLine,
        AfterCr,
        Complete,
    }

    /// <summary>Content octets decoded so far, counting those past the size limit that were discarded.</summary>
    public long Size { get; private set; }

    public DataViolations Violations { get; private set; }

    /// <summary>True once the end marker has been consumed (DATA framing only).</summary>
    public bool IsComplete => _state == State.Complete;

    /// <summary>
    /// Decodes from <paramref name="input"/> into <paramref name="output"/> until the input ends or the
    /// end marker is consumed; returns how many input octets were consumed.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        if (output.Length <= input.Length)
        {
            throw new ArgumentException("The output must be at least one octet longer than the input.", nameof(output));
        }

        written = 0;
        int i = 0;
        while (i < input.Length && _state != State.Complete)
        {
            switch (_state)
            {
                case State.StartOfLine:
                    if (input[i] == Dot)
                    {
                        _state = State.AfterDot;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.AfterDot:
                    if (input[i] == Cr)
                    {
                        _state = State.AfterDotCr;
                        i++;
                    }
                    else
                    {
                        // RFC 5321 §4.5.2: the leading period of a longer line is removed.
                        _state = State.InLine;
                    }

                    break;

                case State.AfterDotCr:
                    if (input[i] == Lf)
                    {
                        _state = State.Complete;
                        i++;
                    }
                    else
                    {
                        Violations |= DataViolations.BareCarriageReturn;
                        Emit(output, ref written, Cr);
                        _state = State.InLine;
                    }

                    break;

                case State.InLine:
                    i += ScanLine(input[i..], output, ref written);
                    break;

                case State.AfterCr:
                    if (input[i] == Lf)
                    {
                        Emit(output, ref written, Cr);
                        Emit(output, ref written, Lf);
                        _lineLength = 0;
                        _state = _framing == DataFraming.DotTerminated ? State.StartOfLine : State.InLine;
                        i++;
                    }
                    else
                    {
                        Violations |= DataViolations.BareCarriageReturn;
                        Emit(output, ref written, Cr);
                        _lineLength++;
                        _state = State.InLine;
                    }

                    break;
            }
        }

        return i;
    }

    /// <summary>Ends raw content (BDAT LAST): a CR left waiting for its LF is a bare CR.</summary>
    public void Finish(Span<byte> output, out int written)
    {
        written = 0;
        if (_state == State.AfterCr)
        {
            Violations |= DataViolations.BareCarriageReturn;
            Emit(output, ref written, Cr);
            _state = State.InLine;
        }
    }

    private int ScanLine(ReadOnlySpan<byte> input, Span<byte> output, ref int written)
    {
        int special = input.IndexOfAny(Cr, Lf, (byte)0);
        int run = special < 0 ? input.Length : special;
        EmitRun(input[..run], output, ref written);
        _lineLength += run;
        if (_lineLength > _maxLineLength)
        {
            Violations |= DataViolations.LineTooLong;
        }

        if (special < 0)
        {
            return run;
        }

        switch (input[special])
        {
            case Cr:
                _state = State.AfterCr;
                break;
            case Lf:
                Violations |= DataViolations.BareLineFeed;
                Emit(output, ref written, Lf);
                _lineLength++;
                break;
            default:
                Violations |= DataViolations.NulOctet;
                Emit(output, ref written, 0);
                _lineLength++;
                break;
        }

        return run + 1;
    }

    private void EmitRun(ReadOnlySpan<byte> run, Span<byte> output, ref int written)
    {
        long room = _maxSize - Size;
        Size += run.Length;
        if (room >= run.Length)
        {
            run.CopyTo(output[written..]);
            written += run.Length;
            return;
        }

        if (room > 0)
        {
            run[..(int)room].CopyTo(output[written..]);
            written += (int)room;
        }

        Violations |= DataViolations.TooLarge;
    }

    private void Emit(Span<byte> output, ref int written, byte value)
    {
        Size++;
        if (Size > _maxSize)
        {
            Violations |= DataViolations.TooLarge;
            return;
        }

        output[written++] = value;
    }
}
