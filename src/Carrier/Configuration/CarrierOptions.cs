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

    public LimitsOptions Limits { get; set; } = new();

    public TimeoutsOptions Timeouts { get; set; } = new();

    public QueueOptions Queue { get; set; } = new();

    public StoreOptions Store { get; set; } = new();
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
