using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Carrier.Delivery.Dkim;

/// <summary>The signature algorithms Carrier creates keys for: RSA (RFC 6376) and Ed25519 (RFC 8463).</summary>
public enum DkimKeyType
{
    Rsa,
    Ed25519,
}

/// <summary>A new key pair: the private key as PEM, and the TXT record that publishes its public half.</summary>
public sealed record DkimKeyPair(string Domain, string Selector, DkimKeyType Type, string PrivateKeyPem, string DnsRecord)
{
    /// <summary>Where the record goes: <c>selector._domainkey.domain</c>.</summary>
    public string DnsName => $"{Selector}._domainkey.{Domain}";
}

/// <summary>
/// Creates DKIM keys and keeps them in the data directory as <c>dkim/DOMAIN/SELECTOR.key</c> (private, owner
/// only) beside <c>SELECTOR.dns</c> (the record to publish).
/// </summary>
public static class DkimKeys
{
    public const int RsaBits = 2048;

    public static DkimKeyPair Generate(string domain, string selector, DkimKeyType type)
    {
        if (type == DkimKeyType.Rsa)
        {
            using var rsa = RSA.Create(RsaBits);
            string publicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
            return new DkimKeyPair(domain, selector, type, rsa.ExportPkcs8PrivateKeyPem(), $"v=DKIM1; k=rsa; p={publicKey}");
        }

        // RFC 8463 §4.2: the record carries the bare 32-octet public key, not a SubjectPublicKeyInfo.
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        string pem = PemEncoding.WriteString("PRIVATE KEY", pkcs8);
        string ed25519Public = Convert.ToBase64String(key.GeneratePublicKey().GetEncoded());
        return new DkimKeyPair(domain, selector, type, pem, $"v=DKIM1; k=ed25519; p={ed25519Public}");
    }

    public static string DomainDirectory(string dataDirectory, string domain) =>
        Path.Combine(dataDirectory, "dkim", domain.ToLowerInvariant());

    /// <summary>Writes the pair; refuses to replace an existing selector, which would break mail signed with it.</summary>
    public static void Save(string dataDirectory, DkimKeyPair pair)
    {
        string folder = DomainDirectory(dataDirectory, pair.Domain);
        System.IO.Directory.CreateDirectory(folder);
        string keyFile = Path.Combine(folder, pair.Selector + ".key");
        if (File.Exists(keyFile))
        {
            throw new IOException($"{keyFile} exists; choose another selector (keys are rotated by adding a selector, not by replacing one).");
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(keyFile, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(pair.PrivateKeyPem + "\n"));
        }

        File.WriteAllText(Path.Combine(folder, pair.Selector + ".dns"), pair.DnsRecord + "\n");
    }

    /// <summary>The published records of a domain's selectors, read back from the <c>.dns</c> files.</summary>
    public static IReadOnlyList<(string Selector, string Record)> PublishedRecords(string dataDirectory, string domain)
    {
        string folder = DomainDirectory(dataDirectory, domain);
        if (!System.IO.Directory.Exists(folder))
        {
            return [];
        }

        return [.. System.IO.Directory.GetFiles(folder, "*.dns")
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileNameWithoutExtension(file), File.ReadAllText(file).Trim()))];
    }
}
