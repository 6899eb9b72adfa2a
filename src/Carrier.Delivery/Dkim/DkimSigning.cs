using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Carrier.Delivery.Dkim;

/// <summary>
/// Signs outbound mail with the keys of the author's domain (the From: domain, so DMARC alignment holds),
/// one signature per selector: with an RSA and an Ed25519 key, receivers that know only RSA still verify
/// (RFC 8463 §4). Keys are read from the data directory once, at start.
/// </summary>
public sealed class DkimSigning
{
    /// <summary>Header fields signed when present; From is required by RFC 6376 §5.4.</summary>
    private static readonly string[] SignedHeaders =
    [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe",
    ];

    private static readonly FormatOptions Crlf = CreateFormat();

    private readonly Dictionary<string, List<DkimSigner>> _signers;

    private DkimSigning(Dictionary<string, List<DkimSigner>> signers) => _signers = signers;

    public int DomainCount => _signers.Count;

    /// <summary>Loads every <c>dkim/DOMAIN/SELECTOR.key</c> below the data directory.</summary>
    public static DkimSigning Load(string dataDirectory)
    {
        var signers = new Dictionary<string, List<DkimSigner>>(StringComparer.OrdinalIgnoreCase);
        string root = Path.Combine(dataDirectory, "dkim");
        if (System.IO.Directory.Exists(root))
        {
            foreach (string folder in System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal))
            {
                string domain = Path.GetFileName(folder);
                foreach (string keyFile in System.IO.Directory.GetFiles(folder, "*.key").Order(StringComparer.Ordinal))
                {
                    signers.TryAdd(domain, []);
                    signers[domain].Add(CreateSigner(domain, Path.GetFileNameWithoutExtension(keyFile), File.ReadAllText(keyFile)));
                }
            }
        }

        return new DkimSigning(signers);
    }

    /// <summary>The content with DKIM-Signature fields in front, or null when the author's domain has no key.</summary>
    public byte[]? Sign(byte[] content)
    {
        MimeMessage message;
        using (var input = new MemoryStream(content, writable: false))
        {
            message = MimeMessage.Load(input);
        }

        string? domain = message.From.Mailboxes.FirstOrDefault()?.Domain;
        if (domain is null || !_signers.TryGetValue(domain, out var signers))
        {
            return null;
        }

        var headers = SignedHeaders.Where(name => message.Headers.Contains(name)).ToList();
        var prefix = new StringBuilder();
        foreach (var signer in signers)
        {
            signer.Sign(Crlf, message, headers);
            var field = message.Headers[0];
            prefix.Append(field.Field).Append(':').Append(Encoding.ASCII.GetString(field.RawValue));
            message.Headers.RemoveAt(0);
        }

        byte[] signature = Encoding.ASCII.GetBytes(prefix.ToString());
        var signed = new byte[signature.Length + content.Length];
        signature.CopyTo(signed, 0);
        content.CopyTo(signed, signature.Length);
        return signed;
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static DkimSigner CreateSigner(string domain, string selector, string pem)
    {
        var key = PrivateKeyFactory.CreateKey(Convert.FromBase64String(PemBody(pem)));
        var algorithm = key is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        return new DkimSigner(key, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    private static string PemBody(string pem) =>
        string.Concat(pem.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
}
