using System.Text;

namespace Carrier.Imap.Protocol;

/// <summary>
/// Mailbox names: modified UTF-7 on the wire (RFC 9051 §5.1.3, unless UTF8=ACCEPT is enabled), the hierarchy
/// delimiter "/", INBOX case-insensitive, and the rules for names Carrier creates.
/// </summary>
public static class MailboxNames
{
    public const char Delimiter = '/';

    /// <summary>Longest name, in characters (Dovecot allows 255 octets per level; this bounds the whole name).</summary>
    public const int MaxLength = 255;

    /// <summary>Deepest hierarchy, in levels.</summary>
    public const int MaxLevels = 16;

    /// <summary>Decodes a modified UTF-7 name; null when it is not valid modified UTF-7.</summary>
    public static string? DecodeModifiedUtf7(string wire)
    {
        var text = new StringBuilder(wire.Length);
        for (int i = 0; i < wire.Length; i++)
        {
            char c = wire[i];
            if (c > 0x7E || c < 0x20)
            {
                return null;
            }

            if (c != '&')
            {
                text.Append(c);
                continue;
            }

            int end = wire.IndexOf('-', i + 1);
            if (end < 0)
            {
                return null;
            }

            if (end == i + 1)
            {
                text.Append('&');
                i = end;
                continue;
            }

            string? decoded = DecodeBase64Run(wire[(i + 1)..end]);
            if (decoded is null)
            {
                return null;
            }

            text.Append(decoded);
            i = end;
        }

        return text.ToString();
    }

    /// <summary>Encodes a name as modified UTF-7.</summary>
    public static string EncodeModifiedUtf7(string name)
    {
        var text = new StringBuilder(name.Length);
        int i = 0;
        while (i < name.Length)
        {
            char c = name[i];
            if (c is >= (char)0x20 and <= (char)0x7E)
            {
                text.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }

            int start = i;
            while (i < name.Length && name[i] is < (char)0x20 or > (char)0x7E)
            {
                i++;
            }

            byte[] utf16 = Encoding.BigEndianUnicode.GetBytes(name[start..i]);
            text.Append('&').Append(Convert.ToBase64String(utf16).TrimEnd('=').Replace('/', ',')).Append('-');
        }

        return text.ToString();
    }

    /// <summary>INBOX in any case, alone or as the first level, is written INBOX (RFC 9051 §5.1).</summary>
    public static string Normalize(string name)
    {
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX";
        }

        return name.Length > 6 && name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase) ? "INBOX" + name[5..] : name;
    }

    /// <summary>
    /// Why a name cannot be created, or null when it can: no empty name or level (no leading, trailing or double
    /// "/"), no "." or ".." level, no control characters, no wildcard, at most <see cref="MaxLength"/> characters
    /// and <see cref="MaxLevels"/> levels. Such names would be ambiguous in LIST patterns or on a file system
    /// when exported.
    /// </summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "The mailbox name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"The mailbox name is longer than {MaxLength} characters";
        }

        foreach (char c in name)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return "The mailbox name contains a control character";
            }

            if (c is '*' or '%')
            {
                return "The mailbox name contains a wildcard (* or %)";
            }
        }

        var levels = name.Split(Delimiter);
        if (levels.Length > MaxLevels)
        {
            return $"The mailbox name has more than {MaxLevels} levels";
        }

        foreach (string level in levels)
        {
            if (level.Length == 0)
            {
                return "The mailbox name has an empty level (leading, trailing or double /)";
            }

            if (level is "." or ".." || level.Trim().Length == 0)
            {
                return "The mailbox name has a level that is only dots or spaces";
            }
        }

        return null;
    }

    private static string? DecodeBase64Run(string run)
    {
        string base64 = run.Replace(',', '/');
        if (base64.Contains('=', StringComparison.Ordinal) || base64.Length % 4 == 1)
        {
            return null;
        }

        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out int written) || written % 2 != 0 || written == 0)
        {
            return null;
        }

        string decoded = Encoding.BigEndianUnicode.GetString(bytes, 0, written);

        // A run must encode something that needed encoding (RFC 3501 §5.1.3: printable ASCII stands for itself).
        return decoded.Any(c => c is >= (char)0x20 and <= (char)0x7E) ? null : decoded;
    }
}
