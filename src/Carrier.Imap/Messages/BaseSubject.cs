using System.Text;
using MimeKit.Utils;

namespace Carrier.Imap.Messages;

/// <summary>
/// The base subject of RFC 5256 §2.1: the Subject with reply and forward markers ("Re:", "Fwd:", "[fwd: ...]",
/// "(fwd)") and leading list tags ("[list]") taken off, used by SORT SUBJECT and both THREAD algorithms.
/// </summary>
public readonly record struct BaseSubject(string Text, bool IsReplyOrForward)
{
    /// <summary>The text in the form it is compared in (i;ascii-casemap: ASCII letters upper-cased).</summary>
    public string Key { get; } = AsciiUpper(Text);

    public static BaseSubject From(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return new BaseSubject(string.Empty, false);
        }

        // (1) Encoded words to UTF-8; tabs and line breaks to spaces; runs of spaces to one.
        string text = Collapse(Rfc2047.DecodeText(Encoding.UTF8.GetBytes(subject)));
        bool replyOrForward = false;
        while (true)
        {
            // (2) Trailing "(fwd)" and white space.
            int end = text.Length;
            while (true)
            {
                if (end > 0 && text[end - 1] == ' ')
                {
                    end--;
                }
                else if (end >= 5 && string.Compare(text, end - 5, "(fwd)", 0, 5, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    end -= 5;
                    replyOrForward = true;
                }
                else
                {
                    break;
                }
            }

            text = text[..end];

            // (3), (4), (5): leaders (white space, list tags before "re:"/"fw:"/"fwd:") and a lone leading tag.
            int start = 0;
            while (true)
            {
                if (start < text.Length && text[start] == ' ')
                {
                    start++;
                    continue;
                }

                int afterLeader = MatchReplyLeader(text, start);
                if (afterLeader > start)
                {
                    start = afterLeader;
                    replyOrForward = true;
                    continue;
                }

                int afterBlob = MatchBlob(text, start);
                if (afterBlob > start && afterBlob < text.Length)
                {
                    start = afterBlob;
                    continue;
                }

                break;
            }

            text = text[start..];

            // (6) "[fwd: ...]" around the whole subject: unwrap it and start again from (2).
            if (text.Length >= 6 && text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text[^1] == ']')
            {
                text = text[5..^1];
                replyOrForward = true;
                continue;
            }

            return new BaseSubject(text, replyOrForward);
        }
    }

    /// <summary>ASCII letters upper-cased, everything else as it is (RFC 4790 i;ascii-casemap).</summary>
    public static string AsciiUpper(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsAsciiLetterLower(source[i]) ? (char)(source[i] - 32) : source[i];
            }
        });

    /// <summary>subj-leader's second form: *subj-blob subj-refwd; returns where it ends, or <paramref name="start"/>.</summary>
    private static int MatchReplyLeader(string text, int start)
    {
        int position = start;
        while (MatchBlob(text, position) is int next && next > position)
        {
            position = next;
        }

        // subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
        if (At(text, position, "re"))
        {
            position += 2;
        }
        else if (At(text, position, "fwd"))
        {
            position += 3;
        }
        else if (At(text, position, "fw"))
        {
            position += 2;
        }
        else
        {
            return start;
        }

        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        position = MatchBlob(text, position);
        return position < text.Length && text[position] == ':' ? position + 1 : start;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP; returns where it ends, or <paramref name="start"/> when there is none.</summary>
    private static int MatchBlob(string text, int start)
    {
        if (start >= text.Length || text[start] != '[')
        {
            return start;
        }

        int position = start + 1;
        while (position < text.Length && text[position] is not ('[' or ']'))
        {
            position++;
        }

        if (position >= text.Length || text[position] != ']')
        {
            return start;
        }

        position++;
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        return position;
    }

    private static bool At(string text, int position, string word) =>
        text.Length - position >= word.Length && string.Compare(text, position, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static string Collapse(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            char normal = c is '\t' or '\r' or '\n' ? ' ' : c;
            if (normal == ' ' && output.Length > 0 && output[^1] == ' ')
            {
                continue;
            }

            output.Append(normal);
        }

        return output.ToString();
    }
}
