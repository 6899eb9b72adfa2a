using System.Security.Cryptography.X509Certificates;

namespace Carrier.Smtp.Client;

/// <summary>How the outbound client behaves. Timeouts default to RFC 5321 §4.5.3.2's minimums.</summary>
public sealed record SmtpClientOptions
{
    /// <summary>The name this client gives in EHLO/HELO.</summary>
    public required string HeloName { get; init; }

    /// <summary>Time to establish the TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Initial 220 message: 5 minutes (§4.5.3.2.1).</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>EHLO, MAIL, RCPT and other commands: 5 minutes (§4.5.3.2.2, .3).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>DATA initiation (the 354): 2 minutes (§4.5.3.2.4).</summary>
    public TimeSpan DataInitiationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Each write of the data block: 3 minutes (§4.5.3.2.5).</summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The reply after the final ".": 10 minutes (§4.5.3.2.6).</summary>
    public TimeSpan DataTerminationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The roots a server certificate chain must lead to under <see cref="TlsLevel.Verify"/> (a configured CA
    /// file); null trusts the system's store.
    /// </summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }
}
