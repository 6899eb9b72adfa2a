using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Carrier.Routing.Dns;

namespace Carrier.Routing.Blocklists;

/// <summary>
/// Asks DNS blocklists (RFC 5782) about a client address: the address reversed under each zone
/// (<c>2.0.0.127.zen.spamhaus.org</c>; IPv6 as 32 reversed nibbles), where an A record in 127.0.0.0/8 means
/// "listed". Every zone is asked at once; the first in configuration order that lists the client decides.
/// </summary>
/// <remarks>
/// Lookups fail open: a timeout, SERVFAIL, or an answer that is not a listing code (127.255.255.0/24 is how
/// Spamhaus says "query refused", and some resolvers turn NXDOMAIN into an advertising address) never blocks
/// anyone; it is reported in <see cref="BlocklistVerdict.Failures"/> for the log.
/// </remarks>
public sealed class DnsBlocklist
{
    /// <summary>Kept when no answer carried a TTL.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(5);

    private readonly IARecordResolver _dns;

    public DnsBlocklist(IReadOnlyList<string> zones, IARecordResolver dns)
    {
        Zones = [.. zones.Select(z => z.Trim().TrimEnd('.').ToLowerInvariant())];
        _dns = dns;
    }

    public IReadOnlyList<string> Zones { get; }

    public async Task<BlocklistVerdict> CheckAsync(IPAddress client, CancellationToken cancellationToken)
    {
        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var answers = await Task.WhenAll(Zones.Select(zone => _dns.ResolveARecordsAsync(QueryName(client, zone), cancellationToken)));
        var failures = new List<string>();
        TimeSpan? ttl = null;
        for (int i = 0; i < Zones.Count; i++)
        {
            var answer = answers[i];
            if (answer.TimeToLive is { } answerTtl && (ttl is null || answerTtl < ttl))
            {
                ttl = answerTtl;
            }

            switch (answer.Status)
            {
                case DnsStatus.Ok:
                    var code = answer.Records.FirstOrDefault(IsListingCode);
                    if (code is not null)
                    {
                        return new BlocklistVerdict(Zones[i], code, failures, ttl ?? DefaultTimeToLive);
                    }

                    failures.Add($"{Zones[i]}: answer {string.Join(", ", answer.Records)} is not a listing code");
                    break;
                case DnsStatus.TemporaryFailure:
                    failures.Add($"{Zones[i]}: {answer.Error}");
                    break;
            }
        }

        return new BlocklistVerdict(null, null, failures, ttl ?? DefaultTimeToLive);
    }

    /// <summary>RFC 5782 §2.1 (IPv4: octets reversed) and §2.4 (IPv6: nibbles reversed) under <paramref name="zone"/>.</summary>
    public static string QueryName(IPAddress client, string zone)
    {
        byte[] bytes = client.GetAddressBytes();
        var name = new StringBuilder(80);
        if (client.AddressFamily == AddressFamily.InterNetwork)
        {
            for (int i = bytes.Length - 1; i >= 0; i--)
            {
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }
        }
        else
        {
            for (int i = bytes.Length - 1; i >= 0; i--)
            {
                name.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.')
                    .Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
            }
        }

        return name.Append(zone).ToString();
    }

    // RFC 5782 §2.3: listings are 127.0.0.0/8. Spamhaus answers 127.255.255.x for errors, not listings.
    private static bool IsListingCode(IPAddress answer)
    {
        byte[] bytes = answer.GetAddressBytes();
        return bytes.Length == 4 && bytes[0] == 127 && !(bytes[1] == 255 && bytes[2] == 255);
    }
}

/// <summary>What the blocklists said of a client: the zone that lists it (null when none does), its answer, and lookups that failed.</summary>
public sealed record BlocklistVerdict(string? ListedBy, IPAddress? Code, IReadOnlyList<string> Failures, TimeSpan TimeToLive)
{
    public bool IsListed => ListedBy is not null;
}
