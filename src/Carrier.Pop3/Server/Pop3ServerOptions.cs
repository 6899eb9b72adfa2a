using System.Net.Security;

namespace Carrier.Pop3.Server;

/// <summary>POP3 server settings and limits.</summary>
public sealed class Pop3ServerOptions
{
    public required string Hostname { get; init; }

    /// <summary>RFC 2449 §4 limits commands to 255 octets; AUTH initial responses need more, so 1024 (Dovecot allows 4 KB).</summary>
    public int MaxLineLength { get; init; } = 1024;

    /// <summary>
    /// Failed logins in one session before it is closed: one per offered SASL mechanism and one for USER/PASS,
    /// because clients such as MailKit try each way in turn with the same password and should be able to
    /// report a wrong password rather than a dropped connection. Guessing across sessions is the LoginGuard's job.
    /// </summary>
    public int MaxAuthFailures { get; init; } = Carrier.Sasl.SaslMechanisms.Names.Count + 1;

    /// <summary>Protocol errors before the session is closed.</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>TLS for STLS (RFC 2595); null means STLS is not offered.</summary>
    public Func<SslServerAuthenticationOptions?>? StartTls { get; init; }

    /// <summary>Whether USER/PASS and AUTH are allowed without TLS.</summary>
    public bool AllowPlaintextAuth { get; init; } = true;

    /// <summary>Throttles password guessing across protocols; without it passwords are checked directly.</summary>
    public Carrier.Directory.LoginGuard? Guard { get; init; }

    /// <summary>Clients allowed to authenticate without TLS even when <see cref="AllowPlaintextAuth"/> is off (loopback, say).</summary>
    public Func<System.Net.IPAddress, bool>? PlaintextAuthAllowed { get; init; }
}
