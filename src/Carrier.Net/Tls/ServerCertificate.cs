using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Carrier.Net.Tls;

/// <summary>
/// The server's certificate and key from PEM files, shared by every TLS listener and STARTTLS. The files are
/// looked at again at most once a second, so a renewed certificate (by certbot or by hand) is used for the next
/// handshake without a restart; a renewal that cannot be read is logged and the previous certificate kept.
/// </summary>
public sealed partial class ServerCertificate
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Loaded _current;
    private DateTimeOffset _nextCheck;

    private ServerCertificate(string certificateFile, string keyFile, TimeProvider time, ILogger logger, Loaded loaded)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _time = time;
        _logger = logger;
        _current = loaded;
        _nextCheck = time.GetUtcNow() + RecheckInterval;
    }

    /// <summary>The certificate in use: subject, expiry and fingerprint, for logs and for <c>carrier check</c>.</summary>
    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Loads the files; throws <see cref="TlsConfigurationException"/> naming the file and the fix.</summary>
    public static ServerCertificate Load(string certificateFile, string keyFile, TimeProvider time, ILogger logger)
    {
        var loaded = Read(certificateFile, keyFile);
        var certificate = new ServerCertificate(certificateFile, keyFile, time, logger, loaded);
        certificate.LogLoaded(loaded.Certificate.Subject, loaded.Certificate.NotAfter, loaded.Certificate.Thumbprint);
        return certificate;
    }

    /// <summary>Options for one handshake: TLS 1.2 and 1.3 only (RFC 8996 retired the older versions).</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = Current().Context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    private Loaded Current()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (now < _nextCheck)
            {
                return _current;
            }

            _nextCheck = now + RecheckInterval;
            var stamp = Stamp(_certificateFile, _keyFile);
            if (stamp == _current.Stamp)
            {
                return _current;
            }

            try
            {
                _current = Read(_certificateFile, _keyFile);
                LogReloaded(_current.Certificate.Subject, _current.Certificate.NotAfter, _current.Certificate.Thumbprint);
            }
            catch (TlsConfigurationException e)
            {
                // Half-written renewals are common; try again on the next check, keep serving the old one.
                _current = _current with { Stamp = stamp };
                LogReloadFailed(e.Message);
            }

            return _current;
        }
    }

    private static Loaded Read(string certificateFile, string keyFile)
    {
        var stamp = Stamp(certificateFile, keyFile);
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

            // Keys loaded from PEM are ephemeral; a PKCS#12 round trip gives SslStream a key it can use everywhere.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new TlsConfigurationException(
                $"cannot load the TLS certificate {certificateFile} with key {keyFile}: {e.Message}. " +
                "Give PEM files (Tls:CertificateFile with the certificate and its chain, Tls:KeyFile with the private key), or remove both keys to use a self-signed certificate.",
                e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new TlsConfigurationException($"the key in {keyFile} does not belong to the certificate in {certificateFile}; give the matching pair.", null);
        }

        var chain = LoadChain(certificateFile);
        return new Loaded(certificate, SslStreamCertificateContext.Create(certificate, chain, offline: true), stamp);
    }

    /// <summary>Intermediate certificates after the first one in the file are sent along in the handshake.</summary>
    private static X509Certificate2Collection LoadChain(string certificateFile)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificateFile);
        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        return chain;
    }

    private static (DateTime, long, DateTime, long) Stamp(string certificateFile, string keyFile)
    {
        var certificate = new FileInfo(certificateFile);
        var key = new FileInfo(keyFile);
        return (
            certificate.Exists ? certificate.LastWriteTimeUtc : default,
            certificate.Exists ? certificate.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default,
            key.Exists ? key.Length : -1);
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "TLS certificate {Subject}, valid until {NotAfter:u}, SHA-1 {Thumbprint}")]
    private partial void LogLoaded(string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "TLS certificate changed on disk, now {Subject}, valid until {NotAfter:u}, SHA-1 {Thumbprint}")]
    private partial void LogReloaded(string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "TLS certificate changed on disk but could not be loaded, keeping the previous one: {Reason}")]
    private partial void LogReloadFailed(string reason);

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context, (DateTime, long, DateTime, long) Stamp);
}

/// <summary>The TLS files cannot be used; the message names the file and the fix.</summary>
public sealed class TlsConfigurationException(string message, Exception? inner) : Exception(message, inner);
