using System.Text;
using Carrier.Delivery.Dkim;
using Carrier.Routing.Dmarc;
using Carrier.Routing.Spf;

namespace Carrier.Delivery.Authentication;

/// <summary>
/// The Authentication-Results header field of RFC 8601: what this server (the authserv-id) found out about a
/// message's SPF, DKIM and DMARC, in the field's grammar, and the test that recognises our own fields so that
/// copies forged by a sender can be removed (§5).
/// </summary>
public static class AuthenticationResultsHeader
{
    public const string FieldName = "Authentication-Results";

    /// <summary>The complete field, folded one result per line, ending in CRLF.</summary>
    /// <param name="mailFrom">The MAIL FROM address; empty for the null sender, when SPF checked the HELO name.</param>
    public static string Format(string authservId, SpfVerdict? spf, string mailFrom, string helo, IReadOnlyList<DkimSignatureResult> dkim, DmarcVerdict? dmarc)
    {
        var results = new List<string>();
        if (spf is not null)
        {
            string identity = mailFrom.Length > 0 ? "smtp.mailfrom=" + Value(mailFrom, spf.Domain) : "smtp.helo=" + Value(helo, helo);
            results.Add($"spf={spf.Keyword} {Comment(spf.Reason)}{identity}");
        }

        if (dkim.Count == 0)
        {
            results.Add("dkim=none");
        }

        foreach (var signature in dkim)
        {
            var text = new StringBuilder("dkim=").Append(signature.Keyword).Append(' ').Append(Comment(signature.Reason));
            text.Append("header.d=").Append(Value(signature.Domain, "invalid"));
            if (signature.Identity is { Length: > 0 } identity)
            {
                text.Append(" header.i=").Append(Value(identity, signature.Domain));
            }

            text.Append(" header.s=").Append(Value(signature.Selector, "invalid"));
            if (signature.SignaturePrefix.Length > 0)
            {
                text.Append(" header.b=").Append(Value(signature.SignaturePrefix, string.Empty));
            }

            results.Add(text.ToString());
        }

        if (dmarc is not null)
        {
            string policy = dmarc.Published is { } published ? $"(p={published.ToString().ToLowerInvariant()}) " : string.Empty;
            results.Add($"dmarc={dmarc.Keyword} {policy}header.from={Value(dmarc.FromDomain, "invalid")}");
        }

        return $"{FieldName}: {authservId};\r\n\t" + string.Join(";\r\n\t", results) + "\r\n";
    }

    /// <summary>
    /// Whether a field value (as it follows the colon, possibly folded) names <paramref name="authservId"/>: the
    /// first token before the ';', comments and whitespace aside (RFC 8601 §2.2, §5).
    /// </summary>
    public static bool NamesServer(string value, string authservId)
    {
        var id = new StringBuilder();
        int depth = 0;
        foreach (char c in value)
        {
            if (depth > 0)
            {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }

            if (c == '(')
            {
                depth = 1;
            }
            else if (c == ';')
            {
                break;
            }
            else if (!char.IsWhiteSpace(c))
            {
                id.Append(c);
            }
            else if (id.Length > 0)
            {
                // An authserv-id is followed by an optional version number: "host 1; ...".
                break;
            }
        }

        return string.Equals(id.ToString().TrimEnd('.'), authservId.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A property value: as it is when it is a token or an address, quoted otherwise (§2.2 pvalue).</summary>
    private static string Value(string value, string fallback)
    {
        if (value.Length == 0)
        {
            value = fallback;
        }

        int at = value.LastIndexOf('@');
        bool plain = value.Length > 0 && (at < 0
            ? value.All(IsTokenChar)
            : value[..at].All(IsAtomChar) && value[(at + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'));
        if (plain)
        {
            return value;
        }

        return "\"" + string.Concat(value.Where(c => c >= ' ' && c < 127).Select(c => c is '"' or '\\' ? "\\" + c : c.ToString())) + "\"";
    }

    // RFC 2045 token: printable ASCII without tspecials.
    private static bool IsTokenChar(char c) => c is > ' ' and < (char)127 && !"()<>@,;:\\\"/[]?=".Contains(c, StringComparison.Ordinal);

    // RFC 5322 atext and the dots of a dot-atom.
    private static bool IsAtomChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c, StringComparison.Ordinal);

    /// <summary>A reason as an RFC 5322 comment, short and without characters that would end it.</summary>
    private static string Comment(string reason)
    {
        if (reason.Length == 0)
        {
            return string.Empty;
        }

        string clean = string.Concat(reason.Where(c => c >= ' ' && c < 127 && c is not '(' and not ')' and not '\\'));
        return "(" + (clean.Length > 120 ? clean[..120] : clean) + ") ";
    }
}
