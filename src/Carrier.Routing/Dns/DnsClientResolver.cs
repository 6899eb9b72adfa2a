using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Carrier.Routing.Dns;

/// <summary>
/// <see cref="IDnsResolver"/> over DnsClient: servers from the configuration or /etc/resolv.conf, a cache that
/// honours TTLs, and answers mapped to <see cref="DnsStatus"/> so that only NXDOMAIN is ever permanent.
/// </summary>
public sealed class DnsClientResolver : IDnsResolver, ITxtResolver, IARecordResolver
{
    private const int MaxCnameHops = 8;

    private readonly LookupClient _client;

    public DnsClientResolver(DnsOptions options)
    {
        var servers = options.Servers.Count > 0
            ? options.Servers.Select(s => new NameServer(s)).ToArray()
            : NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).ToArray();
        _client = new LookupClient(new LookupClientOptions(servers)
        {
            Timeout = options.Timeout,
            Retries = options.Retries,
            UseCache = options.UseCache,
            MaximumCacheTimeout = options.MaximumCacheTime,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            UseTcpFallback = true,
            Recursion = true,
        });
    }

    /// <summary>The servers actually asked, for display.</summary>
    public IReadOnlyList<string> Servers => [.. _client.NameServers.Select(s => s.ToString())];

    public async Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken)
    {
        var (status, records, error) = await QueryFollowingCnamesAsync(domain, QueryType.MX, cancellationToken);
        if (status != DnsStatus.Ok)
        {
            return DnsAnswer.Empty<MxRecord>(status, error);
        }

        var mx = records.OfType<DnsClient.Protocol.MxRecord>()
            .Select(r => new MxRecord(r.Preference, r.Exchange.Value.TrimEnd('.').ToLowerInvariant()))
            .ToList();
        return mx.Count == 0 ? DnsAnswer.Empty<MxRecord>(DnsStatus.NoData) : DnsAnswer.Found<MxRecord>(mx);
    }

    public async Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return DnsAnswer.Found<IPAddress>([literal]);
        }

        var v4 = await QueryFollowingCnamesAsync(host, QueryType.A, cancellationToken);
        var v6 = await QueryFollowingCnamesAsync(host, QueryType.AAAA, cancellationToken);
        var addresses = v4.Records.OfType<ARecord>().Select(r => r.Address)
            .Concat(v6.Records.OfType<AaaaRecord>().Select(r => r.Address))
            .ToList();
        if (addresses.Count > 0)
        {
            return DnsAnswer.Found<IPAddress>(addresses);
        }

        // Without addresses, the worse answer decides: a failure may hide addresses, NXDOMAIN is final.
        if (v4.Status == DnsStatus.TemporaryFailure || v6.Status == DnsStatus.TemporaryFailure)
        {
            return DnsAnswer.Empty<IPAddress>(DnsStatus.TemporaryFailure, v4.Error ?? v6.Error);
        }

        return DnsAnswer.Empty<IPAddress>(v4.Status == DnsStatus.NameError ? DnsStatus.NameError : DnsStatus.NoData);
    }

    public async Task<DnsAnswer<string>> ResolveTxtAsync(string name, CancellationToken cancellationToken)
    {
        var (status, records, error) = await QueryFollowingCnamesAsync(name, QueryType.TXT, cancellationToken);
        if (status != DnsStatus.Ok)
        {
            return DnsAnswer.Empty<string>(status, error);
        }

        return DnsAnswer.Found<string>([.. records.OfType<TxtRecord>().Select(r => string.Concat(r.Text))]);
    }

    public async Task<DnsAnswer<IPAddress>> ResolveARecordsAsync(string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name.TrimEnd('.'), QueryType.A, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            return DnsAnswer.Empty<IPAddress>(DnsStatus.TemporaryFailure, $"A lookup of {name}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // No such name can exist (a label over 63 octets, an empty label): as final as NXDOMAIN.
            return DnsAnswer.Empty<IPAddress>(DnsStatus.NameError, $"A lookup of {name}: {e.Message}");
        }

        // RFC 2308 §5: a negative answer lives for the smaller of the SOA's own TTL and its MINIMUM field.
        var negativeTtl = response.Authorities.SoaRecords()
            .Select(soa => TimeSpan.FromSeconds(Math.Min((long)soa.TimeToLive, soa.Minimum)))
            .Cast<TimeSpan?>()
            .FirstOrDefault();
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                break;
            case DnsHeaderResponseCode.NotExistentDomain:
                return DnsAnswer.Empty<IPAddress>(DnsStatus.NameError) with { TimeToLive = negativeTtl };
            default:
                return DnsAnswer.Empty<IPAddress>(DnsStatus.TemporaryFailure, $"A lookup of {name}: {response.Header.ResponseCode}");
        }

        var records = response.Answers.ARecords().ToList();
        if (records.Count == 0)
        {
            return DnsAnswer.Empty<IPAddress>(DnsStatus.NoData) with { TimeToLive = negativeTtl };
        }

        return DnsAnswer.Found<IPAddress>([.. records.Select(r => r.Address)]) with { TimeToLive = TimeSpan.FromSeconds(records.Min(r => r.TimeToLive)) };
    }

    /// <summary>
    /// Asks for <paramref name="type"/> records of <paramref name="name"/>; when the answer is a CNAME chain without
    /// the records (an authoritative server outside the target's zone returns only the alias), asks again for the target.
    /// </summary>
    private async Task<(DnsStatus Status, IReadOnlyList<DnsResourceRecord> Records, string? Error)> QueryFollowingCnamesAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        string current = name.TrimEnd('.');
        for (int hop = 0; hop <= MaxCnameHops; hop++)
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.QueryAsync(current, type, QueryClass.IN, cancellationToken);
            }
            catch (DnsResponseException e)
            {
                return (DnsStatus.TemporaryFailure, [], $"{type} lookup of {current}: {e.Message}");
            }
            catch (ArgumentException e)
            {
                // No such name can exist (a label over 63 octets, an empty label): as final as NXDOMAIN.
                return (DnsStatus.NameError, [], $"{type} lookup of {current}: {e.Message}");
            }

            switch (response.Header.ResponseCode)
            {
                case DnsHeaderResponseCode.NoError:
                    break;
                case DnsHeaderResponseCode.NotExistentDomain:
                    return (DnsStatus.NameError, [], $"{current}: no such domain (NXDOMAIN)");
                default:
                    return (DnsStatus.TemporaryFailure, [], $"{type} lookup of {current}: {response.Header.ResponseCode}");
            }

            var wanted = response.Answers.Where(r => r.RecordType == (ResourceRecordType)type).ToList();
            if (wanted.Count > 0)
            {
                return (DnsStatus.Ok, wanted, null);
            }

            var alias = response.Answers.CnameRecords().LastOrDefault();
            if (alias is null)
            {
                return (DnsStatus.NoData, [], null);
            }

            current = alias.CanonicalName.Value.TrimEnd('.');
        }

        return (DnsStatus.TemporaryFailure, [], $"{name}: CNAME chain longer than {MaxCnameHops}");
    }
}
