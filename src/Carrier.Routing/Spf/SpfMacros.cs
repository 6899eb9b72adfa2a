using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Carrier.Routing.Spf;

/// <summary>Macro expansion in SPF domain specifications (RFC 7208 §7), such as <c>%{ir}.%{v}._spf.%{d}</c>.</summary>
internal static class SpfMacros
{
    private const string Delimiters = ".-+,/_=";

    public static string Expand(string specification, IPAddress client, string localPart, string senderDomain, string domain, string helo)
    {
        if (!specification.Contains('%', StringComparison.Ordinal))
        {
            return specification;
        }

        var output = new StringBuilder();
        for (int i = 0; i < specification.Length; i++)
        {
            char c = specification[i];
            if (c != '%')
            {
                output.Append(c);
                continue;
            }

            if (++i >= specification.Length)
            {
                throw new SpfPermanentException("a '%' at the end of a macro string");
            }

            switch (specification[i])
            {
                case '%':
                    output.Append('%');
                    continue;
                case '_':
                    output.Append(' ');
                    continue;
                case '-':
                    output.Append("%20");
                    continue;
                case '{':
                    int end = specification.IndexOf('}', i);
                    if (end < 0)
                    {
                        throw new SpfPermanentException("an unterminated macro");
                    }

                    output.Append(ExpandOne(specification[(i + 1)..end], client, localPart, senderDomain, domain, helo));
                    i = end;
                    continue;
                default:
                    throw new SpfPermanentException($"'%{specification[i]}' is not a macro");
            }
        }

        return output.ToString();
    }

    private static string ExpandOne(string macro, IPAddress client, string localPart, string senderDomain, string domain, string helo)
    {
        if (macro.Length == 0)
        {
            throw new SpfPermanentException("an empty macro");
        }

        char letter = char.ToLowerInvariant(macro[0]);
        string value = letter switch
        {
            's' => $"{localPart}@{senderDomain}",
            'l' => localPart,
            'o' => senderDomain,
            'd' => domain,
            'i' => client.AddressFamily == AddressFamily.InterNetwork ? client.ToString() : Nibbles(client),
            'p' => "unknown",
            'v' => client.AddressFamily == AddressFamily.InterNetwork ? "in-addr" : "ip6",
            'h' => helo,
            _ => throw new SpfPermanentException($"'{macro[0]}' is not a macro letter"),
        };

        int position = 1;
        int digitsStart = position;
        while (position < macro.Length && char.IsAsciiDigit(macro[position]))
        {
            position++;
        }

        // A count beyond int's range keeps every label, as int.MaxValue does (and must not throw).
        int keep = position > digitsStart && int.TryParse(macro.AsSpan(digitsStart, position - digitsStart), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int digits)
            ? digits
            : int.MaxValue;
        bool reverse = position < macro.Length && char.ToLowerInvariant(macro[position]) == 'r';
        if (reverse)
        {
            position++;
        }

        string delimiters = macro[position..];
        if (delimiters.Any(d => !Delimiters.Contains(d, StringComparison.Ordinal)) || keep == 0)
        {
            throw new SpfPermanentException($"'%{{{macro}}}' is not a valid macro");
        }

        var parts = value.Split(delimiters.Length > 0 ? delimiters.ToCharArray() : ['.']);
        if (reverse)
        {
            Array.Reverse(parts);
        }

        string result = string.Join('.', parts.Skip(Math.Max(0, parts.Length - keep)));
        return char.IsUpper(macro[0]) ? Uri.EscapeDataString(result) : result;
    }

    private static string Nibbles(IPAddress address) =>
        string.Join('.', address.GetAddressBytes().SelectMany(b => new[] { b >> 4, b & 0xF }).Select(n => n.ToString("x", System.Globalization.CultureInfo.InvariantCulture)));
}
