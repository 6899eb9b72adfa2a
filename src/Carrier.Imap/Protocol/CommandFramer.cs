using System.Buffers;
using Carrier.Net.Framing;

namespace Carrier.Imap.Protocol;

/// <summary>What <see cref="CommandFramer.Next"/> found.</summary>
public enum FrameKind
{
    /// <summary>Nothing complete yet: read more input.</summary>
    NeedMoreData,

    /// <summary>A whole command, literals included, is in <see cref="Frame.Command"/>.</summary>
    Command,

    /// <summary>A synchronizing literal was announced and accepted: send a "+" continuation request.</summary>
    SendContinuation,

    /// <summary>A line exceeded the limit; the rest of it is being discarded.</summary>
    LineTooLong,

    /// <summary>A synchronizing literal over the limit: refuse the command; the client sends no literal.</summary>
    LiteralTooLarge,

    /// <summary>
    /// A non-synchronizing literal over the limit: its octets are already on their way, so after the tagged
    /// BAD [TOOBIG] the connection is closed (RFC 7888 §4 lets the server choose that over reading them).
    /// </summary>
    NonSynchronizingLiteralTooLarge,
}

/// <summary>The result of one framing step, with the tag of the command when one could be read.</summary>
public readonly record struct Frame(FrameKind Kind, byte[]? Command = null, string? Tag = null);

/// <summary>
/// Assembles IMAP commands from the input: a command is a line, or several lines joined by literals
/// (<c>{n}</c>, <c>{n+}</c>, <c>~{n}</c>, RFC 9051 §4.3 and RFC 7888). The assembled bytes are exactly what the
/// client sent, without the final CRLF, for <see cref="ImapReader"/> to parse. Resumable and bounded: every
/// line, literal and whole command has a maximum, and a literal over its maximum is refused from its
/// announcement before any of its octets are read.
/// </summary>
public sealed class CommandFramer
{
    private readonly int _maxLineLength;
    private readonly long _maxLiteral;
    private readonly long _maxAppendLiteral;
    private readonly ArrayBufferWriter<byte> _command = new();
    private long _literalRemaining;
    private bool _skippingLine;
    private bool _isAppend;

    /// <param name="maxLineLength">Longest line, without CRLF.</param>
    /// <param name="maxLiteral">Largest literal in commands other than APPEND.</param>
    /// <param name="maxAppendLiteral">Largest literal in APPEND (the message size limit).</param>
    public CommandFramer(int maxLineLength, long maxLiteral, long maxAppendLiteral)
    {
        _maxLineLength = maxLineLength;
        _maxLiteral = maxLiteral;
        _maxAppendLiteral = maxAppendLiteral;
    }

    /// <summary>Whether a command is partly assembled (a literal or a continuation line is expected).</summary>
    public bool InCommand => _command.WrittenCount > 0 || _literalRemaining > 0;

    /// <summary>Consumes input from <paramref name="input"/> until a frame event happens or the input runs out.</summary>
    public Frame Next(ref ReadOnlySequence<byte> input)
    {
        while (true)
        {
            if (_literalRemaining > 0)
            {
                long take = Math.Min(_literalRemaining, input.Length);
                if (take == 0)
                {
                    return new Frame(FrameKind.NeedMoreData);
                }

                foreach (var segment in input.Slice(0, take))
                {
                    _command.Write(segment.Span);
                }

                input = input.Slice(take);
                _literalRemaining -= take;
                continue;
            }

            if (_skippingLine)
            {
                if (!LineReader.TrySkipLine(input, out var after))
                {
                    input = input.Slice(input.End);
                    return new Frame(FrameKind.NeedMoreData);
                }

                input = input.Slice(after);
                _skippingLine = false;
                continue;
            }

            var status = LineReader.TryReadLine(input, _maxLineLength, out var line, out var next);
            if (status == LineStatus.Incomplete)
            {
                return new Frame(FrameKind.NeedMoreData);
            }

            if (status == LineStatus.TooLong)
            {
                string? tag = _command.WrittenCount > 0 ? TagOf(_command.WrittenSpan) : TagOf(input.Slice(0, Math.Min(input.Length, 128)).ToArray());
                Reset();
                _skippingLine = true;
                return new Frame(FrameKind.LineTooLong, Tag: tag);
            }

            // A bare LF or a stray CR still ends the line here; the reader rejects a CR as a control character.
            input = input.Slice(next);
            bool first = _command.WrittenCount == 0;
            foreach (var segment in line)
            {
                _command.Write(segment.Span);
            }

            if (first)
            {
                _isAppend = IsAppend(_command.WrittenSpan);
            }

            var announcement = LiteralAnnouncement.Find(line);
            if (announcement is null)
            {
                var command = _command.WrittenSpan.ToArray();
                Reset();
                return new Frame(FrameKind.Command, command, TagOf(command));
            }

            var (length, synchronizing) = announcement.Value;
            long limit = _isAppend ? _maxAppendLiteral : _maxLiteral;
            if (length > limit || _command.WrittenCount + length > limit + (16L * _maxLineLength))
            {
                string? tag = TagOf(_command.WrittenSpan);
                Reset();
                return new Frame(synchronizing ? FrameKind.LiteralTooLarge : FrameKind.NonSynchronizingLiteralTooLarge, Tag: tag);
            }

            _command.Write("\r\n"u8);
            _literalRemaining = length;
            if (synchronizing)
            {
                return new Frame(FrameKind.SendContinuation);
            }
        }
    }

    /// <summary>Reads one plain line (an AUTHENTICATE response or IDLE's DONE), outside of command framing.</summary>
    public LineStatus NextLine(ref ReadOnlySequence<byte> input, out byte[] line)
    {
        line = [];
        var status = LineReader.TryReadLine(input, _maxLineLength, out var found, out var next);
        if (status == LineStatus.Incomplete)
        {
            return status;
        }

        if (status == LineStatus.TooLong)
        {
            _skippingLine = true;
            return status;
        }

        line = found.ToArray();
        input = input.Slice(next);
        return LineStatus.Complete;
    }

    private void Reset()
    {
        _command.ResetWrittenCount();
        _literalRemaining = 0;
        _isAppend = false;
        if (_command.Capacity > 64 * 1024)
        {
            // Release the buffer of a large APPEND instead of keeping it for the rest of the session.
            _command.Clear();
        }
    }

    private static bool IsAppend(ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            return false;
        }

        var rest = line[(space + 1)..];
        return rest.Length >= 7 && System.Text.Ascii.EqualsIgnoreCase(rest[..7], "APPEND "u8);
    }

    /// <summary>The first word of a command, if it is a plausible tag (for addressing an error reply).</summary>
    internal static string? TagOf(ReadOnlySpan<byte> command)
    {
        int end = command.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        var tag = end < 0 ? command : command[..end];
        if (tag.IsEmpty || tag.Length > 64)
        {
            return null;
        }

        foreach (byte b in tag)
        {
            if (!ImapSyntax.IsAStringChar(b) || b == (byte)'+')
            {
                return null;
            }
        }

        return System.Text.Encoding.ASCII.GetString(tag);
    }
}

/// <summary>Recognises a literal announcement at the end of a line: <c>{n}</c>, <c>{n+}</c> or <c>~{n}</c>.</summary>
internal static class LiteralAnnouncement
{
    // 4 GiB − 1 is the largest size the grammar's number allows (RFC 9051 §9: number = 1*DIGIT, 32-bit).
    private const int MaxDigits = 10;

    public static (long Length, bool Synchronizing)? Find(in ReadOnlySequence<byte> line)
    {
        int tailLength = (int)Math.Min(line.Length, 40);
        Span<byte> tail = stackalloc byte[tailLength];
        line.Slice(line.Length - tailLength).CopyTo(tail);
        if (tail.IsEmpty || tail[^1] != (byte)'}')
        {
            return null;
        }

        int close = tail.Length - 1;
        bool synchronizing = true;
        int digitsEnd = close;
        if (digitsEnd > 0 && tail[digitsEnd - 1] == (byte)'+')
        {
            synchronizing = false;
            digitsEnd--;
        }

        int digitsStart = digitsEnd;
        while (digitsStart > 0 && char.IsAsciiDigit((char)tail[digitsStart - 1]))
        {
            digitsStart--;
        }

        if (digitsStart == digitsEnd || digitsStart == 0 || tail[digitsStart - 1] != (byte)'{')
        {
            return null;
        }

        if (digitsEnd - digitsStart > MaxDigits)
        {
            // Too long to be a size at all: still a literal announcement, refused as too large, so that its
            // octets are never taken for commands.
            return (long.MaxValue, synchronizing);
        }

        long length = 0;
        foreach (byte digit in tail[digitsStart..digitsEnd])
        {
            length = (length * 10) + (digit - '0');
        }

        return (length > uint.MaxValue ? long.MaxValue : length, synchronizing);
    }
}
