using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Carrier.Smtp.Client;

/// <summary>
/// Judges a server's certificate during one STARTTLS handshake: always for the log (untrusted, trusted,
/// verified), and as a condition of the handshake only under <see cref="TlsLevel.Verify"/>.
/// </summary>
internal sealed class ServerCertificateCheck
{
    private readonly string _hostName;
    private readonly OutboundTlsPolicy _policy;
    private readonly X509Certificate2Collection? _trustedRoots;

    public ServerCertificateCheck(string hostName, OutboundTlsPolicy policy, X509Certificate2Collection? trustedRoots)
    {
        _hostName = hostName;
        _policy = policy;
        _trustedRoots = trustedRoots;
    }

    public TlsTrust Trust { get; private set; } = TlsTrust.Untrusted;

    /// <summary>Why verification refused the certificate; null when it did not.</summary>
    public string? Refusal { get; private set; }

    // Below Verify a certificate is never a reason to refuse (RFC 7435 §1.3: opportunistic security does not authenticate).
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "The callback does validate; it refuses only under the verify policy, as RFC 7435 opportunistic security prescribes.")]
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = _hostName,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, presentedChain, _) => Accept(certificate, presentedChain),
    };

    private bool Accept(X509Certificate? presented, X509Chain? presentedChain)
    {
        if (presented is null)
        {
            return Decide("the server sent no certificate");
        }

        using var certificate = new X509Certificate2(presented);
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // The intermediates the server sent come with the handshake's own chain; without them a correctly
        // configured MX looks untrusted. Nothing is fetched from the network inside a handshake.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presentedChain is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (_trustedRoots is { Count: > 0 })
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        }

        bool trusted = chain.Build(certificate);
        IReadOnlyList<string> names = _policy.MatchNames.Count > 0 ? _policy.MatchNames : [_hostName];
        bool named = names.Any(name => certificate.MatchesHostname(name));
        Trust = !trusted ? TlsTrust.Untrusted : named ? TlsTrust.Verified : TlsTrust.Trusted;
        if (!trusted)
        {
            string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return Decide($"untrusted issuer ({certificate.Subject}: {(status.Length > 0 ? status : "no trusted root")})");
        }

        return named ? Decide(null) : Decide($"certificate of {certificate.Subject} is not valid for {string.Join(" or ", names)}");
    }

    private bool Decide(string? problem)
    {
        if (_policy.Level != TlsLevel.Verify || problem is null)
        {
            return true;
        }

        Refusal = problem;
        return false;
    }
}
