using System.Net;
using Carrier.Net.Listeners;
using Carrier.Routing.Planning;
using Microsoft.Extensions.Configuration;

namespace Carrier.Configuration;

/// <summary>Validated configuration, with the parsed forms of the keys that need parsing.</summary>
public sealed record CarrierSettings(
    CarrierOptions Options,
    string DataDirectory,
    string? ConfigFile,
    ParsedSettings Parsed,
    IConfiguration Configuration)
{
    public string Hostname => Parsed.Hostname;

    public IReadOnlyList<ListenEndpoint> SmtpListen => Parsed.SmtpListen;

    public IReadOnlyList<ListenEndpoint> Pop3Listen => Parsed.Pop3Listen;

    public IReadOnlyList<ListenEndpoint> ImapListen => Parsed.ImapListen;
}

/// <summary>The values of keys that are text in the configuration and structures in use.</summary>
public sealed record ParsedSettings(
    string Hostname,
    IReadOnlyList<ListenEndpoint> SmtpListen,
    IReadOnlyList<ListenEndpoint> Pop3Listen,
    IReadOnlyList<ListenEndpoint> ImapListen,
    IReadOnlyList<IPEndPoint> DnsServers,
    IReadOnlyList<IPNetwork> TrustedNetworks,
    TransportTable Transports);
