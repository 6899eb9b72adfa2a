using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Carrier.Routing.Planning;

/// <summary>
/// A transport override (Postfix's transport table notation): <c>[host]:port</c> or <c>[192.0.2.1]:port</c>
/// connects there without an MX lookup; <c>host</c> or <c>host:port</c> looks up the MX records of host.
/// </summary>
public sealed record NextHop(string Host, int Port, bool LookUpMx)
{
    public override string ToString() => LookUpMx
        ? (Port == DeliveryPlanner.SmtpPort ? Host : $"{Host}:{Port}")
        : $"[{Host}]:{Port}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out NextHop? hop, [NotNullWhen(false)] out string? error)
    {
        hop = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "is empty; write [host]:port, host or host:port";
            return false;
        }

        bool bracketed = text.StartsWith('[');
        string host;
        string? portText = null;
        if (bracketed)
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 2)
            {
                error = $"'{text}': missing ']'";
                return false;
            }

            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = $"'{text}': expected :port after ]";
                    return false;
                }

                portText = rest[1..];
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        int port = DeliveryPlanner.SmtpPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"'{text}': the port must be a number from 1 to 65535";
            return false;
        }

        if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal))
        {
            error = $"'{text}': no host";
            return false;
        }

        hop = new NextHop(host.TrimEnd('.').ToLowerInvariant(), port, !bracketed);
        error = null;
        return true;
    }
}

/// <summary>Per-domain next hops and a default relay host, consulted before MX routing.</summary>
public sealed class TransportTable
{
    private readonly Dictionary<string, NextHop> _routes;

    public TransportTable(IReadOnlyDictionary<string, NextHop> routes, NextHop? defaultRelay)
    {
        _routes = new Dictionary<string, NextHop>(routes.Select(r => KeyValuePair.Create(r.Key.TrimEnd('.').ToLowerInvariant(), r.Value)), StringComparer.Ordinal);
        DefaultRelay = defaultRelay;
    }

    public static TransportTable Empty { get; } = new(new Dictionary<string, NextHop>(), null);

    public NextHop? DefaultRelay { get; }

    /// <summary>
    /// The override for <paramref name="domain"/>: its own entry, else the entry of a parent written with a leading
    /// dot (<c>.example.org</c> covers every subdomain), else the default relay, else null (route by MX).
    /// </summary>
    public NextHop? Find(string domain)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        if (_routes.TryGetValue(domain, out var exact))
        {
            return exact;
        }

        for (int dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            if (_routes.TryGetValue(domain[dot..], out var parent))
            {
                return parent;
            }
        }

        return DefaultRelay;
    }
}
