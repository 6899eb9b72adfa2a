using Carrier.Routing.Dns;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Carrier.Delivery.Dkim;

/// <summary>
/// Finds a signer's public key at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2) through Carrier's own
/// resolver, with its cache and timeouts. A missing key is a permanent failure, a DNS failure a temporary one
/// (§6.1.2), told apart by <see cref="DkimKeyException.Temporary"/>.
/// </summary>
internal sealed class DnsDkimKeyLocator : DkimPublicKeyLocatorBase
{
    private readonly ITxtResolver _txt;

    public DnsDkimKeyLocator(ITxtResolver txt) => _txt = txt;

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("DKIM keys are looked up asynchronously only");

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimKeyException($"no supported query method in q={methods}", temporary: false);
        }

        string name = $"{selector}._domainkey.{domain}";
        var answer = await _txt.ResolveTxtAsync(name, cancellationToken);
        switch (answer.Status)
        {
            case DnsStatus.TemporaryFailure:
                throw new DkimKeyException($"DNS failure looking up {name}", temporary: true);
            case DnsStatus.NameError or DnsStatus.NoData:
                throw new DkimKeyException($"no key at {name}", temporary: false);
        }

        // §3.6.2.2: several records at the name make the result undefined; the first that parses is used.
        foreach (string record in answer.Records)
        {
            try
            {
                return GetPublicKey(record);
            }
            catch (Exception e) when (e is MimeKit.ParseException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                // Try the next record; if none parses, the key is unusable.
            }
        }

        throw new DkimKeyException($"the key at {name} is revoked or not a usable key", temporary: false);
    }
}

/// <summary>Why a signer's key could not be had: temporarily (DNS) or permanently (absent, revoked, malformed).</summary>
internal sealed class DkimKeyException(string message, bool temporary) : Exception(message)
{
    public bool Temporary { get; } = temporary;
}
