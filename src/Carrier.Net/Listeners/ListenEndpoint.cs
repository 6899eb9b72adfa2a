using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Carrier.Net.Listeners;

/// <summary>An <c>address:port</c> pair from configuration, such as <c>0.0.0.0:25</c> or <c>[::1]:143</c>.</summary>
public sealed record ListenEndpoint(IPAddress Address, int Port)
{
    public IPEndPoint ToIPEndPoint() => new(Address, Port);

    public override string ToString() =>
        Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{Address}]:{Port}"
            : $"{Address}:{Port}";

    /// <summary>Parses <c>address:port</c>; IPv6 addresses are written in brackets.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ListenEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; write address:port, for example 0.0.0.0:25 or [::]:25";
            return false;
        }

        text = text.Trim();
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not address:port; write for example 127.0.0.1:2525 or [::1]:2525";
            return false;
        }

        string host = text[..colon];
        string portText = text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            error = $"'{text}': an IPv6 address must be written in brackets, for example [::1]:25";
            return false;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            error = $"'{host}' is not an IP address; listeners bind to addresses such as 0.0.0.0, 127.0.0.1 or ::";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
        {
            error = $"'{portText}' is not a port number between 0 and 65535";
            return false;
        }

        endpoint = new ListenEndpoint(address, port);
        error = null;
        return true;
    }
}
