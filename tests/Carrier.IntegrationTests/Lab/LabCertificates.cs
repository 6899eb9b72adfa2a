using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Carrier.IntegrationTests.Lab;

/// <summary>Test certificates as PEM files: a private CA with server certificates it signed, and self-signed ones.</summary>
public sealed class LabCertificates : IDisposable
{
    private readonly string _directory;
    private readonly X509Certificate2 _ca;

    public LabCertificates(string directory)
    {
        _directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Carrier Lab CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(directory, "lab-ca.pem");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    /// <summary>The CA's certificate, to configure as <c>Tls:Outbound:CaFile</c>.</summary>
    public string CaFile { get; }

    /// <summary>A server certificate for <paramref name="hostName"/> signed by the lab CA; returns the PEM certificate and key files.</summary>
    public (string Certificate, string Key) SignedFor(string hostName) => Issue(hostName, selfSigned: false);

    /// <summary>A certificate for <paramref name="hostName"/> that signs itself: no one vouches for it.</summary>
    public (string Certificate, string Key) SelfSignedFor(string hostName) => Issue(hostName, selfSigned: true);

    private (string Certificate, string Key) Issue(string hostName, bool selfSigned)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(10);
        using var certificate = selfSigned
            ? request.CreateSelfSigned(notBefore, notAfter)
            : request.Create(_ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));
        string name = (selfSigned ? "self-" : "signed-") + hostName;
        string certificateFile = Path.Combine(_directory, name + ".crt.pem");
        string keyFile = Path.Combine(_directory, name + ".key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    public void Dispose() => _ca.Dispose();
}
