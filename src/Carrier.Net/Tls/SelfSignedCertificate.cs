using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Carrier.Net.Tls;

/// <summary>
/// A self-signed certificate for a fresh installation, so that STARTTLS and the TLS ports work from the first
/// start. Clients that verify will refuse it until the administrator installs a certificate from a CA; mail
/// servers delivering to us use TLS opportunistically and accept it (RFC 7435).
/// </summary>
public static class SelfSignedCertificate
{
    /// <summary>Writes a new certificate and key (ECDSA P-256, valid for ten years) as PEM; the key readable by the owner only.</summary>
    public static void Create(string hostname, string certificateFile, string keyFile, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        foreach (string file in new[] { certificateFile, keyFile })
        {
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
            {
                System.IO.Directory.CreateDirectory(folder);
            }
        }

        WriteOwnerOnly(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
    }

    private static void WriteOwnerOnly(string file, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(file, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content + "\n");
    }
}
