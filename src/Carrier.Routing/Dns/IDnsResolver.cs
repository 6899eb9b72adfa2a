using System.Net;

namespace Carrier.Routing.Dns;

/// <summary>How a DNS question was answered, in the terms routing decisions need (RFC 5321 §5.1).</summary>
public enum DnsStatus
{
    /// <summary>Records of the asked type exist.</summary>
    Ok,

    /// <summary>The name exists but has no records of that type (NOERROR, empty answer).</summary>
    NoData,

    /// <summary>The name does not exist (NXDOMAIN): a permanent answer.</summary>
    NameError,

    /// <summary>SERVFAIL, REFUSED, a timeout or a network error: try again later.</summary>
    TemporaryFailure,
}

/// <summary>An answer: its status, its records (empty unless <see cref="DnsStatus.Ok"/>), and what went wrong if anything.</summary>
public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records, string? Error = null)
{
    /// <summary>How long the answer may be kept, when the lookup reports it: the records' smallest TTL, or for NXDOMAIN and NODATA the zone's negative TTL (RFC 2308 §5).</summary>
    public TimeSpan? TimeToLive { get; init; }
}

/// <summary>Makes <see cref="DnsAnswer{T}"/> values.</summary>
public static class DnsAnswer
{
    public static DnsAnswer<T> Found<T>(IReadOnlyList<T> records) => new(DnsStatus.Ok, records);

    public static DnsAnswer<T> Empty<T>(DnsStatus status, string? error = null) => new(status, [], error);
}

/// <summary>One MX record: preference (lower is tried first) and exchange host, without a trailing dot.</summary>
public sealed record MxRecord(int Preference, string Host)
{
    /// <summary>RFC 7505 null MX: "MX 0 ." says the domain accepts no mail.</summary>
    public bool IsNullMx => Host.Length == 0 || Host == ".";
}

/// <summary>The DNS questions routing asks; behind an interface so that decisions can be tested without a network.</summary>
public interface IDnsResolver
{
    /// <summary>MX records of <paramref name="domain"/>, CNAMEs followed.</summary>
    Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>A and AAAA records of <paramref name="host"/> (IPv4 first), CNAMEs followed.</summary>
    Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken);
}

/// <summary>TXT lookups, for the sender policies published in DNS (SPF, DMARC).</summary>
public interface ITxtResolver
{
    /// <summary>The TXT records of <paramref name="name"/>, each with its character-strings joined (RFC 7208 §3.3).</summary>
    Task<DnsAnswer<string>> ResolveTxtAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A lookups alone, with the answer's TTL: DNS blocklists answer in A records (RFC 5782 §2.1).</summary>
public interface IARecordResolver
{
    /// <summary>The A records of <paramref name="name"/>, no AAAA, no CNAME chasing beyond what the recursive server does.</summary>
    Task<DnsAnswer<IPAddress>> ResolveARecordsAsync(string name, CancellationToken cancellationToken);
}
