using Carrier.Routing.Dns;
using MimeKit;
using MimeKit.Cryptography;

namespace Carrier.Delivery.Dkim;

/// <summary>
/// The outcome for one DKIM-Signature field, with the tags Authentication-Results reports (RFC 8601 §2.7.1):
/// <c>header.d</c>, <c>header.i</c>, <c>header.s</c> and the first characters of <c>header.b</c> (RFC 6008).
/// </summary>
/// <param name="Keyword">pass, fail, neutral, temperror or permerror.</param>
public sealed record DkimSignatureResult(string Keyword, string Domain, string? Identity, string Selector, string SignaturePrefix, string Reason)
{
    public bool Passed => Keyword == "pass";
}

/// <summary>
/// Verifies the DKIM signatures of a received message (RFC 6376 §6) with MimeKit's verifier and keys from DNS.
/// RSA-SHA256 and Ed25519-SHA256 (RFC 8463) are accepted; RSA-SHA1 is refused (RFC 8301). Only the first
/// <see cref="MaxSignatures"/> signatures are examined, so a message cannot make us do unbounded work.
/// </summary>
public sealed class DkimVerification
{
    public const int DefaultMaxSignatures = 5;

    /// <summary>RFC 6008 §2: eight characters of b= tell signatures apart.</summary>
    private const int SignaturePrefixLength = 8;

    private readonly DkimVerifier _verifier;

    public DkimVerification(ITxtResolver txt, int maxSignatures = DefaultMaxSignatures)
    {
        _verifier = new DkimVerifier(new DnsDkimKeyLocator(txt)) { MinimumRsaKeyLength = 1024 };
        _verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        _verifier.Disable(DkimSignatureAlgorithm.RsaSha1);
        MaxSignatures = maxSignatures;
    }

    public int MaxSignatures { get; }

    /// <summary>One result per examined signature, in header order; empty when the message is unsigned.</summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var results = new List<DkimSignatureResult>();
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures))
        {
            var tags = Tags(header.Value);
            string domain = tags.GetValueOrDefault("d", string.Empty);
            string selector = tags.GetValueOrDefault("s", string.Empty);
            string? identity = tags.GetValueOrDefault("i");
            string signature = tags.GetValueOrDefault("b", string.Empty);
            string prefix = signature.Length > SignaturePrefixLength ? signature[..SignaturePrefixLength] : signature;
            var (keyword, reason) = await VerifyOneAsync(message, header, cancellationToken);
            results.Add(new DkimSignatureResult(keyword, domain, identity, selector, prefix, reason));
        }

        return results;
    }

    private async Task<(string Keyword, string Reason)> VerifyOneAsync(MimeMessage message, Header header, CancellationToken cancellationToken)
    {
        try
        {
            return await _verifier.VerifyAsync(message, header, cancellationToken)
                ? ("pass", "signature verified")
                : ("fail", "signature or body hash did not verify");
        }
        catch (DkimKeyException e)
        {
            return (e.Temporary ? "temperror" : "permerror", e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ("temperror", "timed out looking up the key");
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A malformed field, an unknown or disabled algorithm, a key too short (§6.1.1 PERMFAIL); whatever a
            // hostile signature makes the verifier throw ends here too, so it cannot stop the message.
            return ("permerror", e.Message);
        }
    }

    /// <summary>The tag=value list of RFC 6376 §3.2, whitespace removed from values (b= is folded).</summary>
    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in value.Split(';'))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags.TryAdd(part[..equals].Trim(), string.Concat(part[(equals + 1)..].Where(c => !char.IsWhiteSpace(c))));
            }
        }

        return tags;
    }
}
