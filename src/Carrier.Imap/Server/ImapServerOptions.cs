using System.Net.Security;

namespace Carrier.Imap.Server;

/// <summary>IMAP server settings and limits.</summary>
public sealed class ImapServerOptions
{
    public required string Hostname { get; init; }

    /// <summary>Longest command line; RFC 7162 §4 asks clients to keep lines within 8192 octets and servers to accept that.</summary>
    public int MaxLineLength { get; init; } = 8192;

    /// <summary>Largest literal outside APPEND (mailbox names, search strings): 64 KiB is far beyond any real use.</summary>
    public long MaxLiteral { get; init; } = 64 * 1024;

    /// <summary>Largest message APPEND accepts (the server's message size limit).</summary>
    public long MaxMessageSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>Deepest nesting of parentheses in SEARCH criteria.</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Failed logins in one session before it is closed.</summary>
    public int MaxAuthFailures { get; init; } = 3;

    /// <summary>BAD responses before the session is closed with BYE.</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>
    /// How long an authenticated client may stay silent: RFC 9051 §5.4 asks for at least 30 minutes, which IDLE
    /// clients rely on (they renew their IDLE every 29 minutes).
    /// </summary>
    public TimeSpan AuthenticatedIdle { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>TLS for STARTTLS; null means STARTTLS is not offered.</summary>
    public Func<SslServerAuthenticationOptions?>? StartTls { get; init; }

    /// <summary>Whether LOGIN and AUTHENTICATE are allowed without TLS (when false, LOGINDISABLED is announced).</summary>
    public bool AllowPlaintextAuth { get; init; } = true;

    /// <summary>Clients allowed to log in without TLS even when <see cref="AllowPlaintextAuth"/> is off (loopback, say).</summary>
    public Func<System.Net.IPAddress, bool>? PlaintextAuthAllowed { get; init; }

    /// <summary>Throttles password guessing across protocols; without it passwords are checked directly.</summary>
    public Carrier.Directory.LoginGuard? Guard { get; init; }
}
