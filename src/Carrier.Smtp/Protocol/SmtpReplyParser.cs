using System.Buffers;
using System.Text;
using Carrier.Net.Framing;

namespace Carrier.Smtp.Protocol;

/// <summary>What <see cref="SmtpReplyParser.TryParse"/> found.</summary>
public enum ReplyParseStatus
{
    Complete,
    Incomplete,

    /// <summary>Not an SMTP reply (bad code, mixed codes, too long): the peer is not speaking SMTP correctly.</summary>
    Invalid,
}

/// <summary>
/// Reads server replies (RFC 5321 §4.2): <c>ddd-text</c> lines followed by a <c>ddd text</c> line, all with the
/// same code, the enhanced status code (RFC 2034) taken from the first line when present. Bounded in line
/// length and line count, so a hostile server cannot make the client buffer without end.
/// </summary>
public static class SmtpReplyParser
{
    public const int MaxLineLength = 4096;
    public const int MaxLines = 200;

    public static ReplyParseStatus TryParse(ref ReadOnlySequence<byte> buffer, out SmtpReply? reply, out string? error)
    {
        reply = null;
        error = null;
        var remaining = buffer;
        var lines = new List<string>();
        int code = 0;
        while (true)
        {
            var status = LineReader.TryReadLine(remaining, MaxLineLength, out var line, out var next);
            switch (status)
            {
                case LineStatus.Incomplete:
                    return ReplyParseStatus.Incomplete;
                case LineStatus.TooLong:
                    error = "reply line too long";
                    return ReplyParseStatus.Invalid;
                case LineStatus.BareLineFeed:
                case LineStatus.Complete:
                    // Servers that end replies with a bare LF exist; tolerating them costs nothing here.
                    break;
                default:
                    error = "bare CR in reply";
                    return ReplyParseStatus.Invalid;
            }

            string text = Encoding.UTF8.GetString(line);
            remaining = remaining.Slice(next);
            if (text.Length < 3 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) || !char.IsAsciiDigit(text[2]) ||
                (text.Length > 3 && text[3] != ' ' && text[3] != '-'))
            {
                error = $"not an SMTP reply: {Clip(text)}";
                return ReplyParseStatus.Invalid;
            }

            int lineCode = ((text[0] - '0') * 100) + ((text[1] - '0') * 10) + (text[2] - '0');
            if (lineCode is < 200 or > 599 || (code != 0 && lineCode != code))
            {
                error = $"bad reply code: {Clip(text)}";
                return ReplyParseStatus.Invalid;
            }

            code = lineCode;
            lines.Add(text.Length > 4 ? text[4..] : string.Empty);
            if (lines.Count > MaxLines)
            {
                error = "reply has too many lines";
                return ReplyParseStatus.Invalid;
            }

            if (text.Length == 3 || text[3] == ' ')
            {
                break;
            }
        }

        buffer = remaining;
        reply = WithStatus(code, lines);
        return ReplyParseStatus.Complete;
    }

    private static SmtpReply WithStatus(int code, List<string> lines)
    {
        string first = lines[0];
        int space = first.IndexOf(' ');
        string candidate = space < 0 ? first : first[..space];
        if (IsEnhancedStatus(candidate, code))
        {
            var stripped = lines.Select(l => l.StartsWith(candidate + " ", StringComparison.Ordinal) ? l[(candidate.Length + 1)..] : l == candidate ? string.Empty : l).ToList();
            return new SmtpReply(code, candidate, stripped);
        }

        return new SmtpReply(code, null, lines);
    }

    // RFC 3463: class "." subject "." detail, the class matching the reply's first digit.
    private static bool IsEnhancedStatus(string text, int code)
    {
        var parts = text.Split('.');
        return parts.Length == 3 && parts[0].Length == 1 && parts[0][0] == (char)('0' + (code / 100)) &&
               parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit) &&
               parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
