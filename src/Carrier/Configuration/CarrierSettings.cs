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

    /// <summary>The certificate file in use: configured, or the self-signed default in the data directory.</summary>
    public string TlsCertificateFile => Path.Combine(DataDirectory, Options.Tls.CertificateFile is { Length: > 0 } file ? file : Path.Combine("tls", "cert.pem"));

    public string TlsKeyFile => Path.Combine(DataDirectory, Options.Tls.KeyFile is { Length: > 0 } file ? file : Path.Combine("tls", "key.pem"));

    /// <summary>Whether the TLS files are the self-signed default, which Carrier creates when they are missing.</summary>
    public bool TlsIsDefault => string.IsNullOrWhiteSpace(Options.Tls.CertificateFile);
}

/// <summary>The values of keys that are text in the configuration and structures in use.</summary>
public sealed record ParsedSettings(
    string Hostname,
    IReadOnlyList<ListenEndpoint> SmtpListen,
    IReadOnlyList<ListenEndpoint> Pop3Listen,
    IReadOnlyList<ListenEndpoint> ImapListen,
    IReadOnlyList<IPEndPoint> DnsServers,
    IReadOnlyList<IPNetwork> TrustedNetworks,
    TransportTable Transports)
{
    public IReadOnlyList<ListenEndpoint> Pop3sListen { get; init; } = [];

    public IReadOnlyList<ListenEndpoint> ImapsListen { get; init; } = [];

    public IReadOnlyList<ListenEndpoint> SubmissionListen { get; init; } = [];

    public IReadOnlyList<ListenEndpoint> SubmissionsListen { get; init; } = [];

    /// <summary>Outbound STARTTLS policy by destination domain (<c>Tls:Outbound</c>).</summary>
    public Carrier.Delivery.Remote.TlsPolicyTable OutboundTls { get; init; } = Carrier.Delivery.Remote.TlsPolicyTable.Opportunistic;
}
