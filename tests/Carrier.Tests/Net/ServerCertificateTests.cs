using Carrier.Net.Tls;
using Carrier.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Net;

public sealed class ServerCertificateTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_self_signed_certificate_names_the_host_and_its_key_is_private_to_the_owner()
    {
        using var directory = new TempDirectory("tls");
        string cert = Path.Combine(directory.Path, "tls", "cert.pem");
        string key = Path.Combine(directory.Path, "tls", "key.pem");

        SelfSignedCertificate.Create("mail.example.org", cert, key, DateTimeOffset.UtcNow);
        var loaded = ServerCertificate.Load(cert, key, TimeProvider.System, NullLogger.Instance);

        Assert.Equal("CN=mail.example.org", loaded.Certificate.Subject);
        Assert.True(loaded.Certificate.MatchesHostname("mail.example.org"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public void A_renewed_certificate_is_used_without_a_restart_and_a_broken_renewal_is_ignored()
    {
        using var directory = new TempDirectory("tls");
        string cert = Path.Combine(directory.Path, "cert.pem");
        string key = Path.Combine(directory.Path, "key.pem");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        SelfSignedCertificate.Create("old.example.org", cert, key, time.GetUtcNow());
        var certificate = ServerCertificate.Load(cert, key, time, NullLogger.Instance);

        SelfSignedCertificate.Create("new.example.org", cert, key, time.GetUtcNow());
        File.SetLastWriteTimeUtc(cert, DateTime.UtcNow.AddSeconds(5));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("CN=new.example.org", certificate.Certificate.Subject);
        Assert.NotNull(certificate.ServerOptions().ServerCertificateContext);

        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\\nhalf written");
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("CN=new.example.org", certificate.Certificate.Subject);
    }

    [Fact]
    public void Missing_files_are_named_in_the_error()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => ServerCertificate.Load("/nonexistent/cert.pem", "/nonexistent/key.pem", TimeProvider.System, NullLogger.Instance));

        Assert.Contains("/nonexistent/cert.pem", error.Message, StringComparison.Ordinal);
        Assert.Contains("Tls:CertificateFile", error.Message, StringComparison.Ordinal);
    }
}
