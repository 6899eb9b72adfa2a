namespace Carrier.Smtp.Server;

/// <summary>What the inbound SMTP server announces and the limits it enforces; each default says where it comes from.</summary>
public sealed class SmtpServerOptions
{
    /// <summary>The name in the greeting, in EHLO and in Received: headers.</summary>
    public required string Hostname { get; init; }

    /// <summary>Largest message accepted, announced with SIZE (RFC 1870). 50 MiB, Postfix's message_size_limit default.</summary>
    public long MaxMessageSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>Recipients per transaction; RFC 5321 §4.5.3.1.8 asks for at least 100. Postfix: 1000.</summary>
    public int MaxRecipients { get; init; } = 1000;

    /// <summary>Longest command line. RFC 5321 §4.5.3.1.4 sets 512 octets plus room for extensions; Postfix reads up to 2048.</summary>
    public int MaxCommandLineLength { get; init; } = 2048;

    /// <summary>Longest line of message content without CRLF: 998 octets, RFC 5322 §2.1.1.</summary>
    public int MaxDataLineLength { get; init; } = 998;

    /// <summary>Protocol errors after which the session is closed with 421. Postfix smtpd_hard_error_limit: 20.</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>
    /// Messages accepted in one session before MAIL gets 421 and the client must reconnect; bounds what one
    /// connection can do (in the spirit of Postfix's smtpd_client_message_rate_limit).
    /// </summary>
    public int MaxTransactionsPerSession { get; init; } = 1000;

    /// <summary>Told of each session before the greeting, so that checks of the client (a DNS blocklist lookup) run while it talks.</summary>
    public Action<SmtpSessionContext>? ClientConnected { get; init; }

    /// <summary>
    /// Supplies the server certificate for STARTTLS (RFC 3207); null, or a null result, means STARTTLS
    /// is neither offered nor accepted.
    /// </summary>
    public Func<System.Net.Security.SslServerAuthenticationOptions?>? StartTls { get; init; }

    /// <summary>Checks AUTH credentials (RFC 4954); null means AUTH is neither offered nor accepted.</summary>
    public ISmtpAuthenticator? Authenticator { get; init; }

    /// <summary>Submission (RFC 6409 §4.3): MAIL is refused with 530 until the client has authenticated.</summary>
    public bool RequireAuthentication { get; init; }

    /// <summary>
    /// Whether a client at this address may authenticate without TLS. Passwords cross the network in the
    /// clear otherwise, so the host allows it only for networks it trusts to be private (loopback by default).
    /// </summary>
    public Func<System.Net.IPAddress, bool> PlaintextAuthAllowed { get; init; } = _ => false;

    /// <summary>Whether VRFY, EXPN are answered at all; they leak nothing either way (VRFY answers 252).</summary>
    public bool EnableVrfy { get; init; } = true;
}
