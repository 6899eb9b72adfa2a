using System.Net;
using System.Net.Sockets;
using Carrier.Routing.Dns;

namespace Carrier.Routing.Spf;

/// <summary>
/// check_host() of RFC 7208: may this address send mail for this domain? Terms are evaluated left to right;
/// at most 10 terms may cause DNS lookups and at most 2 of those may find nothing (§4.6.4), so a hostile
/// record cannot make one check cost more than a bounded number of queries.
/// </summary>
/// <remarks>The "ptr" mechanism (discouraged by §5.5) never matches here, though it counts as a lookup.</remarks>
public sealed class SpfEvaluator
{
    public const int MaxLookups = 10;
    public const int MaxVoidLookups = 2;
    public const int MaxMxAddresses = 10;

    private readonly IDnsResolver _dns;
    private readonly ITxtResolver _txt;

    public SpfEvaluator(IDnsResolver dns, ITxtResolver txt)
    {
        _dns = dns;
        _txt = txt;
    }

    /// <param name="sender">The MAIL FROM address, or postmaster@ the HELO name when it is empty (§2.4).</param>
    public async Task<SpfVerdict> CheckAsync(IPAddress client, string sender, string helo, CancellationToken cancellationToken)
    {
        int at = sender.LastIndexOf('@');
        string domain = at >= 0 ? sender[(at + 1)..] : helo;
        string local = at > 0 ? sender[..at] : "postmaster";
        var context = new Evaluation(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client, local, domain, helo);
        try
        {
            var (result, reason) = await CheckHostAsync(context, domain.TrimEnd('.'), depth: 0, cancellationToken);
            return new SpfVerdict(result, domain, reason);
        }
        catch (SpfPermanentException e)
        {
            return new SpfVerdict(SpfResult.PermError, domain, e.Message);
        }
        catch (SpfTemporaryException e)
        {
            return new SpfVerdict(SpfResult.TempError, domain, e.Message);
        }
    }

    private async Task<(SpfResult, string)> CheckHostAsync(Evaluation context, string domain, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxLookups)
        {
            throw new SpfPermanentException("include or redirect nested too deeply");
        }

        var answer = await _txt.ResolveTxtAsync(domain, cancellationToken);
        if (answer.Status == DnsStatus.TemporaryFailure)
        {
            throw new SpfTemporaryException($"DNS failure looking up SPF of {domain}");
        }

        var records = answer.Records.Where(IsSpfRecord).ToList();
        if (records.Count == 0)
        {
            return (SpfResult.None, $"{domain} publishes no SPF record");
        }

        if (records.Count > 1)
        {
            throw new SpfPermanentException($"{domain} publishes {records.Count} SPF records");
        }

        string? redirect = null;
        foreach (string term in records[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            int equals = ModifierNameLength(term);
            if (equals > 0)
            {
                string name = term[..equals].ToLowerInvariant();
                if (name == "redirect")
                {
                    redirect ??= term[(equals + 1)..];
                }

                continue; // exp= and unknown modifiers do not change the result (§6)
            }

            var (qualifier, mechanism) = term[0] is '+' or '-' or '~' or '?' ? (term[0], term[1..]) : ('+', term);
            if (await MatchesAsync(context, domain, mechanism, depth, cancellationToken))
            {
                return (Qualified(qualifier), $"matched {term} in the SPF record of {domain}");
            }
        }

        if (redirect is not null)
        {
            context.CountLookup();
            string target = Expand(context, domain, redirect);
            var (result, reason) = await CheckHostAsync(context, target, depth + 1, cancellationToken);
            return result == SpfResult.None ? throw new SpfPermanentException($"redirect to {target}, which has no SPF record") : (result, reason);
        }

        return (SpfResult.Neutral, $"no term of {domain}'s SPF record matched");
    }

    private async Task<bool> MatchesAsync(Evaluation context, string domain, string mechanism, int depth, CancellationToken cancellationToken)
    {
        int colon = mechanism.IndexOf(':', StringComparison.Ordinal);
        int slash = mechanism.IndexOf('/', StringComparison.Ordinal);
        int nameEnd = colon >= 0 ? colon : slash >= 0 ? slash : mechanism.Length;
        string name = mechanism[..nameEnd].ToLowerInvariant();
        string argument = colon >= 0 ? (slash > colon ? mechanism[(colon + 1)..slash] : mechanism[(colon + 1)..]) : string.Empty;
        string cidr = slash >= 0 && slash > colon ? mechanism[slash..] : string.Empty;
        switch (name)
        {
            case "all" when argument.Length == 0 && cidr.Length == 0:
                return true;
            case "ip4":
            case "ip6":
                return MatchesNetwork(context.Client, name, mechanism[(colon + 1)..]);
            case "a":
                {
                    context.CountLookup();
                    string target = argument.Length > 0 ? Expand(context, domain, argument) : domain;
                    var addresses = await AddressesAsync(context, target, cancellationToken);
                    return addresses.Any(a => InPrefix(context.Client, a, cidr));
                }

            case "mx":
                {
                    context.CountLookup();
                    string target = argument.Length > 0 ? Expand(context, domain, argument) : domain;
                    var mx = await _dns.ResolveMxAsync(target, cancellationToken);
                    if (mx.Status == DnsStatus.TemporaryFailure)
                    {
                        throw new SpfTemporaryException($"DNS failure looking up MX of {target}");
                    }

                    if (mx.Records.Count == 0)
                    {
                        context.CountVoid();
                    }

                    if (mx.Records.Count > MaxMxAddresses)
                    {
                        throw new SpfPermanentException($"{target} has more than {MaxMxAddresses} MX records");
                    }

                    foreach (var record in mx.Records.Where(r => !r.IsNullMx))
                    {
                        var addresses = await AddressesAsync(context, record.Host, cancellationToken, countVoid: false);
                        if (addresses.Any(a => InPrefix(context.Client, a, cidr)))
                        {
                            return true;
                        }
                    }

                    return false;
                }

            case "include":
                {
                    context.CountLookup();
                    if (argument.Length == 0)
                    {
                        throw new SpfPermanentException("include without a domain");
                    }

                    string target = Expand(context, domain, argument);
                    var (result, _) = await CheckHostAsync(context, target, depth + 1, cancellationToken);
                    return result switch
                    {
                        SpfResult.Pass => true,
                        SpfResult.TempError => throw new SpfTemporaryException($"include:{target} failed temporarily"),
                        SpfResult.PermError or SpfResult.None => throw new SpfPermanentException($"include:{target} has no usable SPF record"),
                        _ => false,
                    };
                }

            case "exists":
                {
                    context.CountLookup();
                    var addresses = await AddressesAsync(context, Expand(context, domain, argument), cancellationToken);
                    return addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork);
                }

            case "ptr":
                context.CountLookup();
                return false;

            default:
                throw new SpfPermanentException($"unknown mechanism '{mechanism}' in the SPF record of {domain}");
        }
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(Evaluation context, string host, CancellationToken cancellationToken, bool countVoid = true)
    {
        var answer = await _dns.ResolveAddressesAsync(host, cancellationToken);
        if (answer.Status == DnsStatus.TemporaryFailure)
        {
            throw new SpfTemporaryException($"DNS failure looking up {host}");
        }

        if (answer.Records.Count == 0 && countVoid)
        {
            context.CountVoid();
        }

        return answer.Records;
    }

    private static bool MatchesNetwork(IPAddress client, string family, string text)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash >= 0 ? text[..slash] : text;
        if (!IPAddress.TryParse(addressText, out var network)
            || (family == "ip4") != (network.AddressFamily == AddressFamily.InterNetwork))
        {
            throw new SpfPermanentException($"'{family}:{text}' is not a valid {family} network");
        }

        return InPrefix(client, network, slash >= 0 ? text[slash..] : string.Empty, exact: true);
    }

    /// <summary>Whether the client is in the prefix around <paramref name="address"/>: "/24", "//64" or "/24//64".</summary>
    private static bool InPrefix(IPAddress client, IPAddress address, string cidr, bool exact = false)
    {
        if (client.AddressFamily != address.AddressFamily)
        {
            return false;
        }

        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        int length = v4 ? 32 : 128;
        string[] parts = cidr.Split("//");
        string wanted = exact ? cidr.TrimStart('/') : v4 ? parts[0].TrimStart('/') : (parts.Length > 1 ? parts[1] : string.Empty);
        if (wanted.Length > 0 && (!int.TryParse(wanted, out length) || length < 0 || length > (v4 ? 32 : 128)))
        {
            throw new SpfPermanentException($"'{cidr}' is not a valid prefix length");
        }

        return new IPNetwork(MaskTo(address, length), length).Contains(client);
    }

    private static IPAddress MaskTo(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(bytes);
    }

    private static SpfResult Qualified(char qualifier) => qualifier switch
    {
        '-' => SpfResult.Fail,
        '~' => SpfResult.SoftFail,
        '?' => SpfResult.Neutral,
        _ => SpfResult.Pass,
    };

    /// <summary>The length of a modifier's name (§4.6.1: a name of letters, digits, "-", "_", "." and then "="), or 0 for a mechanism.</summary>
    private static int ModifierNameLength(string term)
    {
        if (term.Length == 0 || !char.IsAsciiLetter(term[0]))
        {
            return 0;
        }

        int i = 1;
        while (i < term.Length && (char.IsAsciiLetterOrDigit(term[i]) || term[i] is '-' or '_' or '.'))
        {
            i++;
        }

        return i < term.Length && term[i] == '=' ? i : 0;
    }

    private static bool IsSpfRecord(string text) =>
        text.Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || text.StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase);

    private static string Expand(Evaluation context, string domain, string specification) =>
        SpfMacros.Expand(specification, context.Client, context.LocalPart, context.SenderDomain, domain, context.Helo);

    private sealed class Evaluation(IPAddress client, string localPart, string senderDomain, string helo)
    {
        private int _lookups;
        private int _voids;

        public IPAddress Client { get; } = client;

        public string LocalPart { get; } = localPart;

        public string SenderDomain { get; } = senderDomain;

        public string Helo { get; } = helo;

        public void CountLookup()
        {
            if (++_lookups > MaxLookups)
            {
                throw new SpfPermanentException($"more than {MaxLookups} DNS lookups (RFC 7208 §4.6.4)");
            }
        }

        public void CountVoid()
        {
            if (++_voids > MaxVoidLookups)
            {
                throw new SpfPermanentException($"more than {MaxVoidLookups} lookups found nothing (RFC 7208 §4.6.4)");
            }
        }
    }
}

internal sealed class SpfPermanentException(string message) : Exception(message);

internal sealed class SpfTemporaryException(string message) : Exception(message);
