namespace Carrier.Configuration;

/// <summary>
/// Every configuration key, as bound from <c>carrier.json</c> and <c>CARRIER_</c> environment variables.
/// Defaults here are what a server with no configuration file runs with.
/// </summary>
public sealed class CarrierOptions
{
    /// <summary>This server's name: greeting, EHLO, Received:, bounces. Default: the machine's host name.</summary>
    public string? Hostname { get; set; }

    /// <summary>Where postmaster@ and abuse@ of every local domain go when no account or alias has that name.</summary>
    public string? Postmaster { get; set; }

    public DomainsOptions Domains { get; set; } = new();

    public SmtpOptions Smtp { get; set; } = new();

    public ListenerSettings Pop3 { get; set; } = new();

    public ListenerSettings Imap { get; set; } = new();

    /// <summary>IMAP over implicit TLS (RFC 8314), port 993.</summary>
    public ListenerSettings Imaps { get; set; } = new();

    /// <summary>POP3 over implicit TLS (RFC 8314), port 995.</summary>
    public ListenerSettings Pop3s { get; set; } = new();

    /// <summary>Message submission with STARTTLS (RFC 6409), port 587.</summary>
    public SubmissionOptions Submission { get; set; } = new();

    /// <summary>Message submission over implicit TLS (RFC 8314), port 465.</summary>
    public ListenerSettings Submissions { get; set; } = new();

    public TlsSettings Tls { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public LimitsOptions Limits { get; set; } = new();

    public TimeoutsOptions Timeouts { get; set; } = new();

    public QueueOptions Queue { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public DnsSettings Dns { get; set; } = new();

    public RelayOptions Relay { get; set; } = new();

    public TransportOptions Transport { get; set; } = new();

    public DeliveryOptions Delivery { get; set; } = new();

    /// <summary>SPF, DKIM and DMARC checks of mail arriving on port 25.</summary>
    public AuthenticationOptions Authentication { get; set; } = new();
}

public sealed class AuthenticationOptions
{
    /// <summary>Check SPF, DKIM and DMARC and add Authentication-Results (RFC 8601).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Check mail from Relay:TrustedNetworks too (loopback included); authenticated sessions never are.</summary>
    public bool CheckTrustedNetworks { get; set; }

    /// <summary>Mail failing DMARC of a domain with p=reject: Reject (550 5.7.1), Quarantine (Junk) or Mark.</summary>
    public Carrier.Delivery.Authentication.FailureAction DmarcReject { get; set; } = Carrier.Delivery.Authentication.FailureAction.Reject;

    /// <summary>Mail failing DMARC of a domain with p=quarantine: Quarantine, Reject or Mark.</summary>
    public Carrier.Delivery.Authentication.FailureAction DmarcQuarantine { get; set; } = Carrier.Delivery.Authentication.FailureAction.Quarantine;

    /// <summary>Mail whose SPF result is fail and that DMARC did not pass: Mark, Quarantine or Reject.</summary>
    public Carrier.Delivery.Authentication.FailureAction SpfFail { get; set; } = Carrier.Delivery.Authentication.FailureAction.Mark;

    /// <summary>When DNS fails or times out: Accept (marked temperror) or Defer (451 4.7.1).</summary>
    public Carrier.Delivery.Authentication.TemporaryErrorAction TemporaryError { get; set; } = Carrier.Delivery.Authentication.TemporaryErrorAction.Accept;

    /// <summary>Time for the DNS work of each stage: SPF from MAIL FROM on, DKIM and DMARC after the content.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>DKIM signatures verified per message; further ones are not examined.</summary>
    public int MaxDkimSignatures { get; set; } = Carrier.Delivery.Dkim.DkimVerification.DefaultMaxSignatures;
}

public sealed class DnsSettings
{
    /// <summary>Name servers as <c>address[:port]</c>; empty means those of /etc/resolv.conf.</summary>
    public List<string> Servers { get; set; } = [];

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public int Retries { get; set; } = 2;
}

public sealed class RelayOptions
{
    public static readonly IReadOnlyList<string> DefaultTrustedNetworks = ["127.0.0.0/8", "::1/128"];

    /// <summary>Client networks (CIDR) that may send to any domain; <see cref="DefaultTrustedNetworks"/> when not configured.</summary>
    public List<string> TrustedNetworks { get; set; } = [];
}

public sealed class TransportOptions
{
    /// <summary>Per-domain next hops: <c>[host]:port</c> (no MX lookup) or <c>host[:port]</c> (MX lookup of host); <c>.example.org</c> covers subdomains.</summary>
    public Dictionary<string, string> Routes { get; set; } = [];

    /// <summary>Where all other remote mail goes instead of the recipient domain's MX (a smarthost), in the same notation.</summary>
    public string? DefaultRelay { get; set; }
}

public sealed class DeliveryOptions
{
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries to one domain at once.</summary>
    public int MaxPerDestination { get; set; } = 20;

    /// <summary>How long a host that failed is tried last.</summary>
    public TimeSpan DeadHostTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an idle session with a remote server is kept for the next message.</summary>
    public TimeSpan ConnectionIdleTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Use STARTTLS when a server offers it, without requiring a valid certificate (RFC 7435).</summary>
    public bool OpportunisticTls { get; set; } = true;
}

public sealed class DomainsOptions
{
    /// <summary>Domains whose mailboxes are here.</summary>
    public List<string> Local { get; set; } = [];

    /// <summary>Domains this server is a backup MX for.</summary>
    public List<string> Relay { get; set; } = [];
}

public sealed class SmtpOptions
{
    public static readonly IReadOnlyList<string> DefaultListen = ["0.0.0.0:25"];

    /// <summary>Addresses the SMTP server (port 25 service) listens on; <see cref="DefaultListen"/> when not configured.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>Whether port 25 offers AUTH too; submission ports always do.</summary>
    public bool Auth { get; set; }

    /// <summary>DNS blocklist zones (RFC 5782) asked about each untrusted port 25 client; listed clients get 554 at RCPT. Empty: off.</summary>
    public List<string> Dnsbl { get; set; } = [];

    public GreylistingOptions Greylisting { get; set; } = new();
}

/// <summary>RFC 6647 greylisting on port 25, kept in memory (a restart forgets it).</summary>
public sealed class GreylistingOptions
{
    public bool Enabled { get; set; }

    /// <summary>How long a new (network, sender, recipient) triplet is refused with 450.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a first attempt waits for its retry before it is forgotten (postgrey: 2 days).</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long a triplet that passed stays accepted without delay, renewed by every use (postgrey: 35 days).</summary>
    public TimeSpan PassedLifetime { get; set; } = TimeSpan.FromDays(36);

    /// <summary>Triplets remembered; past this the least recently used is forgotten.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

public sealed class SubmissionOptions
{
    public List<string> Listen { get; set; } = [];

    /// <summary>An authenticated user may send only as one of their addresses or aliases (envelope and From:).</summary>
    public bool RestrictSender { get; set; } = true;
}

public sealed class TlsSettings
{
    /// <summary>PEM certificate with its chain; relative to the data directory. Default: tls/cert.pem, self-signed when absent.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of the certificate; relative to the data directory. Default: tls/key.pem.</summary>
    public string? KeyFile { get; set; }

    /// <summary>STARTTLS policy for remote delivery, per destination domain.</summary>
    public OutboundTlsSettings Outbound { get; set; } = new();
}

/// <summary>When a password may cross a connection without TLS.</summary>
public enum PlaintextAuth
{
    /// <summary>Only after STARTTLS or on a TLS port.</summary>
    Never,

    /// <summary>Also from loopback clients (webmail or a local agent on this machine); the default.</summary>
    Loopback,

    /// <summary>From anywhere: only for networks that are private end to end.</summary>
    Always,
}

public sealed class AuthOptions
{
    public PlaintextAuth PlaintextWithoutTls { get; set; } = PlaintextAuth.Loopback;
}

/// <summary>The listen addresses of a protocol that has nothing else to configure yet.</summary>
public sealed class ListenerSettings
{
    public List<string> Listen { get; set; } = [];
}

public sealed class LimitsOptions
{
    public long MessageSizeBytes { get; set; } = 50L * 1024 * 1024;

    public int RecipientsPerMessage { get; set; } = 1000;

    /// <summary>Open connections from one client address (Postfix's smtpd_client_connection_count_limit is 50).</summary>
    public int ConnectionsPerIp { get; set; } = 50;

    /// <summary>Open connections in total, over every listener.</summary>
    public int Connections { get; set; } = 1000;

    public int CommandLineBytes { get; set; } = 2048;

    public int DataLineBytes { get; set; } = 998;

    public int ErrorsPerSession { get; set; } = 20;

    /// <summary>Port 25 connections per minute from one client address, trusted networks exempt; 0 is no limit (Postfix's smtpd_client_connection_rate_limit).</summary>
    public int ConnectionRatePerIp { get; set; }

    /// <summary>Messages accepted in one session; the next MAIL gets 421 and the client reconnects.</summary>
    public int MessagesPerSession { get; set; } = 1000;

    /// <summary>Received: headers after which a message is taken to be looping and is returned (Postfix hopcount_limit).</summary>
    public int MaxHops { get; set; } = 50;
}

public sealed class TimeoutsOptions
{
    /// <summary>Silence allowed from a client; RFC 5321 §4.5.3.2.7 asks servers for at least 5 minutes.</summary>
    public TimeSpan Idle { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest life of one connection.</summary>
    public TimeSpan Session { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long shutdown waits for sessions and deliveries to finish.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class QueueOptions
{
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(4000);

    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Tell the sender after this long that a message is still waiting; empty or 0 turns it off.</summary>
    public TimeSpan? DelayWarning { get; set; } = TimeSpan.FromHours(4);

    public int MaxConcurrentDeliveries { get; set; } = 20;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class StoreOptions
{
    /// <summary><c>Embedded</c> (SQLite and files in the data directory).</summary>
    public string Provider { get; set; } = "Embedded";

    public int InlineBlobMaxBytes { get; set; } = 64 * 1024;

    /// <summary>PBKDF2 iterations for new password hashes.</summary>
    public int PasswordIterations { get; set; } = Carrier.Directory.PasswordHasher.DefaultIterations;
}
