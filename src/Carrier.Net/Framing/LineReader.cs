using System.Buffers;

namespace Carrier.Net.Framing;

/// <summary>What <see cref="LineReader.TryReadLine"/> found at the front of the buffer.</summary>
public enum LineStatus
{
    /// <summary>A line ended by CRLF; the line excludes the CRLF.</summary>
    Complete,

    /// <summary>No line end yet and the limit not reached: read more.</summary>
    Incomplete,

    /// <summary>More than the maximum without a line end: discard up to the next LF with <see cref="LineReader.TrySkipLine"/>.</summary>
    TooLong,

    /// <summary>A line ended by LF alone (RFC 5321 §2.3.8 forbids it); the line is consumed.</summary>
    BareLineFeed,

    /// <summary>A CR not followed by LF inside a line; the line is consumed.</summary>
    BareCarriageReturn,
}

/// <summary>
/// Strict CRLF line framing with a maximum length, for every line-based protocol.
/// Never throws and never reads past the limit: memory per connection stays bounded.
/// </summary>
public static class LineReader
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    /// <summary>Looks for one line of at most <paramref name="maxLength"/> octets (CRLF not counted).</summary>
    /// <param name="buffer">Unconsumed input.</param>
    /// <param name="maxLength">Longest line accepted, without its CRLF.</param>
    /// <param name="line">The line without its terminator, for every status that consumes a line.</param>
    /// <param name="next">Where the next line starts; equal to the buffer's start when nothing is consumed.</param>
    public static LineStatus TryReadLine(in ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line, out SequencePosition next)
    {
        long window = Math.Min(buffer.Length, (long)maxLength + 2);
        var searched = buffer.Slice(0, window);
        var lf = searched.PositionOf(Lf);
        if (lf is null)
        {
            line = default;
            next = buffer.Start;
            return buffer.Length >= (long)maxLength + 2 ? LineStatus.TooLong : LineStatus.Incomplete;
        }

        var withLf = buffer.Slice(0, lf.Value);
        next = buffer.GetPosition(1, lf.Value);
        if (withLf.Length == 0 || LastByte(withLf) != Cr)
        {
            line = withLf;
            return LineStatus.BareLineFeed;
        }

        line = withLf.Slice(0, withLf.Length - 1);
        if (line.Length > maxLength)
        {
            return LineStatus.TooLong;
        }

        return line.PositionOf(Cr) is null ? LineStatus.Complete : LineStatus.BareCarriageReturn;
    }

    /// <summary>Discards input up to and including the next LF; returns false if none is buffered yet.</summary>
    public static bool TrySkipLine(in ReadOnlySequence<byte> buffer, out SequencePosition next)
    {
        var lf = buffer.PositionOf(Lf);
        if (lf is null)
        {
            next = buffer.End;
            return false;
        }

        next = buffer.GetPosition(1, lf.Value);
        return true;
    }

    private static byte LastByte(in ReadOnlySequence<byte> sequence)
    {
        if (sequence.IsSingleSegment)
        {
            return sequence.FirstSpan[^1];
        }

        return sequence.Slice(sequence.Length - 1).FirstSpan[0];
    }
}
