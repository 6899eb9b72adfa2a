using System.Net;
using System.Text;

namespace Carrier.Smtp.Protocol;

/// <summary>
/// The RFC 5321 §4.1.2 path grammar, extended by RFC 6531 for UTF-8. Total: every input gives a path or
/// a reason. Limits from RFC 5321 §4.5.3.1: local part 64 octets, domain 255, path 256.
/// </summary>
public static class SmtpPathParser
{
    public const int MaxLocalPartOctets = 64;
    public const int MaxDomainOctets = 255;
    public const int MaxPathOctets = 256;

    /// <summary>
    /// Parses a path at the start of <paramref name="text"/>: <c>&lt;local@domain&gt;</c>, <c>&lt;&gt;</c> when
    /// <paramref name="allowNull"/>, a source route (ignored, RFC 5321 §4.1.2 and appendix C), or a bare
    /// address without brackets as many clients send.
    /// </summary>
    /// <param name="consumed">Characters of <paramref name="text"/> the path took.</param>
    /// <param name="path">The mailbox, or null for the null reverse path.</param>
    /// <param name="error">Why the path is invalid.</param>
    public static bool TryParse(ReadOnlySpan<char> text, bool allowNull, out int consumed, out SmtpPath? path, out string? error)
    {
        path = null;
        consumed = 0;
        error = null;
        if (text.IsEmpty)
        {
            error = "missing address";
            return false;
        }

        ReadOnlySpan<char> inner;
        if (text[0] == '<')
        {
            int close = FindClosingBracket(text);
            if (close < 0)
            {
                error = "missing '>' after the address";
                return false;
            }

            inner = text[1..close];
            consumed = close + 1;
        }
        else
        {
            // Lenient form "MAIL FROM:user@example.org" (no brackets), accepted by Postfix and Exim by default.
            int end = text.IndexOf(' ');
            inner = end < 0 ? text : text[..end];
            consumed = inner.Length;
        }

        if (inner.IsEmpty)
        {
            if (allowNull)
            {
                return true;
            }

            error = "the null path <> is not a valid recipient";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(inner) > MaxPathOctets - 2)
        {
            error = $"address longer than {MaxPathOctets} octets (RFC 5321 §4.5.3.1.3)";
            return false;
        }

        // Source route "@a,@b:user@c": RFC 5321 says to accept and ignore it.
        if (inner[0] == '@')
        {
            int colon = inner.IndexOf(':');
            if (colon < 0)
            {
                error = "source route without ':'";
                return false;
            }

            inner = inner[(colon + 1)..];
        }

        return TryParseMailbox(inner, out path, out error);
    }

    /// <summary>Parses <c>local-part@domain</c> (or the bare word <c>Postmaster</c>).</summary>
    public static bool TryParseMailbox(ReadOnlySpan<char> text, out SmtpPath? path, out string? error)
    {
        path = null;
        if (text.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            path = new SmtpPath("postmaster", string.Empty);
            error = null;
            return true;
        }

        int at = FindDomainSeparator(text);
        if (at <= 0 || at == text.Length - 1)
        {
            error = "address must be local-part@domain";
            return false;
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        if (!TryNormalizeLocalPart(local, out string? localPart, out error))
        {
            return false;
        }

        if (!TryNormalizeDomain(domain, out string? normalizedDomain, out error))
        {
            return false;
        }

        path = new SmtpPath(localPart, normalizedDomain);
        return true;
    }

    /// <summary>Checks a domain or address literal and lower-cases it.</summary>
    public static bool TryNormalizeDomain(ReadOnlySpan<char> domain, out string normalized, out string? error)
    {
        normalized = string.Empty;
        if (domain.IsEmpty)
        {
            error = "empty domain";
            return false;
        }

        if (domain[0] == '[')
        {
            if (!IsAddressLiteral(domain))
            {
                error = "invalid address literal";
                return false;
            }

            normalized = domain.ToString().ToLowerInvariant();
            error = null;
            return true;
        }

        if (Encoding.UTF8.GetByteCount(domain) > MaxDomainOctets)
        {
            error = $"domain longer than {MaxDomainOctets} octets";
            return false;
        }

        // A trailing dot (absolute name) is not part of the RFC 5321 grammar.
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (!IsValidLabel(label))
            {
                error = "invalid domain";
                return false;
            }
        }

        normalized = domain.ToString().ToLowerInvariant();
        error = null;
        return true;
    }

    private static bool TryNormalizeLocalPart(ReadOnlySpan<char> local, out string result, out string? error)
    {
        result = string.Empty;
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            error = $"local part longer than {MaxLocalPartOctets} octets (RFC 5321 §4.5.3.1.1)";
            return false;
        }

        if (local[0] == '"')
        {
            if (local.Length < 2 || local[^1] != '"')
            {
                error = "unterminated quoted local part";
                return false;
            }

            var content = new StringBuilder();
            for (int i = 1; i < local.Length - 1; i++)
            {
                char c = local[i];
                if (c == '\\')
                {
                    if (i + 1 >= local.Length - 1 || local[i + 1] < 32 || local[i + 1] > 126)
                    {
                        error = "invalid quoted pair in local part";
                        return false;
                    }

                    content.Append(local[++i]);
                }
                else if (c is '"' or '\\' || (c < 32) || c == 127)
                {
                    error = "invalid character in quoted local part";
                    return false;
                }
                else
                {
                    content.Append(c);
                }
            }

            string unquoted = content.ToString();

            // "john"@example.org is the same mailbox as john@example.org: keep the simple form.
            result = IsDotString(unquoted) ? unquoted : QuoteLocalPart(unquoted);
            error = null;
            return true;
        }

        if (!IsDotString(local))
        {
            error = "invalid character in local part";
            return false;
        }

        result = local.ToString();
        error = null;
        return true;
    }

    /// <summary>RFC 5321 Dot-string over atext, extended with non-ASCII by RFC 6531.</summary>
    public static bool IsDotString(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] == '.' || text[^1] == '.')
        {
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (text[i - 1] == '.')
                {
                    return false;
                }
            }
            else if (!IsAtext(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string QuoteLocalPart(string unquoted)
    {
        var builder = new StringBuilder(unquoted.Length + 2).Append('"');
        foreach (char c in unquoted)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }

    private static bool IsAtext(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~'
        || (c >= 0x80 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    private static bool IsValidLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        foreach (char c in label)
        {
            bool ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-'
                || (c >= 0x80 && !char.IsControl(c) && !char.IsWhiteSpace(c) && c != '\u3002');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAddressLiteral(ReadOnlySpan<char> literal)
    {
        if (literal.Length < 3 || literal[^1] != ']')
        {
            return false;
        }

        var inner = literal[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(inner[5..], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        if (inner.IndexOf(':') > 0)
        {
            // RFC 5321 General-address-literal: Standardized-tag ":" 1*dcontent, the tag an Ldh-str.
            int colon = inner.IndexOf(':');
            if (!IsLdhString(inner[..colon]) || colon == inner.Length - 1)
            {
                return false;
            }

            foreach (char c in inner[(colon + 1)..])
            {
                if (c is < (char)33 or > (char)126 or '[' or '\\' or ']')
                {
                    return false;
                }
            }

            return true;
        }

        return IsIPv4Literal(inner);
    }

    // RFC 5321 §4.1.3: Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig.
    private static bool IsLdhString(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return !text.IsEmpty && text[^1] != '-';
    }

    private static bool IsIPv4Literal(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (part.IsEmpty || part.Length > 3 || !int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) || value > 255)
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }

    private static int FindClosingBracket(ReadOnlySpan<char> text)
    {
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '>')
            {
                return i;
            }
        }

        return -1;
    }

    // The '@' that separates local part and domain is the last one outside quotes.
    private static int FindDomainSeparator(ReadOnlySpan<char> text)
    {
        bool quoted = false;
        int at = -1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '@')
            {
                at = i;
            }
        }

        return at;
    }
}
