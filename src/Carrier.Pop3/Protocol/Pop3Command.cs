using System.Globalization;
using System.Text;

namespace Carrier.Pop3.Protocol;

/// <summary>A POP3 command (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH, RFC 2595 STLS) with its arguments.</summary>
public sealed record Pop3Command(string Verb, IReadOnlyList<string> Arguments)
{
    public static readonly IReadOnlySet<string> Verbs = new HashSet<string>(StringComparer.Ordinal)
    {
        "USER", "PASS", "AUTH", "CAPA", "STLS", "STAT", "LIST", "RETR", "TOP", "UIDL", "DELE", "RSET", "NOOP", "QUIT",
    };

    /// <summary>
    /// Parses a command line. Null when the line is not a command this server knows; the verb is
    /// upper-cased; arguments are separated by single spaces (PASS keeps the rest of the line, as
    /// passwords may contain spaces).
    /// </summary>
    public static Pop3Command? Parse(ReadOnlySpan<byte> line)
    {
        if (line.Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(line))
        {
            return null;
        }

        string text = Encoding.UTF8.GetString(line);
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        string verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
        if (!Verbs.Contains(verb))
        {
            return null;
        }

        string rest = space < 0 ? string.Empty : text[(space + 1)..];
        if (verb == "PASS")
        {
            return new Pop3Command(verb, rest.Length == 0 ? [] : [rest]);
        }

        return new Pop3Command(verb, rest.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A message number argument: a positive decimal number without sign or spaces.</summary>
    public static bool TryParseNumber(string text, out int number) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number > 0;
}
