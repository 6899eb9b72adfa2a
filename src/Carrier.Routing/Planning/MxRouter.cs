using System.Net;
using Carrier.Routing.Dns;

namespace Carrier.Routing.Planning;

/// <summary>
/// Does the lookups a plan needs — MX, then the addresses of every candidate host, in parallel — and hands
/// the answers to <see cref="DeliveryPlanner"/>. Transport overrides are applied first.
/// </summary>
public sealed class MxRouter
{
    private readonly IDnsResolver _dns;
    private readonly SelfIdentity _self;
    private readonly TransportTable _transports;

    public MxRouter(IDnsResolver dns, SelfIdentity self, TransportTable transports)
    {
        _dns = dns;
        _self = self;
        _transports = transports;
    }

    public SelfIdentity Self => _self;

    /// <summary>The override that applies to <paramref name="domain"/>, if any.</summary>
    public NextHop? OverrideFor(string domain) => _transports.Find(domain);

    public async Task<DeliveryPlan> PlanAsync(string domain, bool domainIsLocal, CancellationToken cancellationToken)
    {
        var hop = _transports.Find(domain);
        if (hop is null)
        {
            return await PlanByMxAsync(domain, domain, domainIsLocal, DeliveryPlanner.SmtpPort, cancellationToken);
        }

        if (hop.LookUpMx)
        {
            var viaMx = await PlanByMxAsync(hop.Host, domain, domainIsLocal, hop.Port, cancellationToken);
            return viaMx with { Notes = [$"transport override for {domain}: {hop}", .. viaMx.Notes] };
        }

        // [host]:port — no MX lookup; the one host is tried even if it is this server on another port.
        var answer = await _dns.ResolveAddressesAsync(hop.Host, cancellationToken);
        var note = $"transport override for {domain}: {hop} (no MX lookup)";
        return answer.Status switch
        {
            DnsStatus.Ok => new DeliveryPlan(domain, PlanKind.Deliver, [new PlannedHost(hop.Host, 0, answer.Records, hop.Port)], "2.0.0", "deliver", false, [], [note]),
            DnsStatus.TemporaryFailure => DeliveryPlan.Defer(domain, "4.4.3", $"address lookup of relay host {hop.Host} failed temporarily ({answer.Error})", notes: [note]),
            _ => DeliveryPlan.Bounce(domain, "5.4.4", $"relay host {hop.Host} has no address", notes: [note]),
        };
    }

    private async Task<DeliveryPlan> PlanByMxAsync(string lookupDomain, string domain, bool domainIsLocal, int port, CancellationToken cancellationToken)
    {
        var mx = await _dns.ResolveMxAsync(lookupDomain, cancellationToken);
        var hosts = DeliveryPlanner.HostsToResolve(lookupDomain, mx);
        var lookups = await Task.WhenAll(hosts.Select(async host => (host, answer: await _dns.ResolveAddressesAsync(host, cancellationToken))));
        var addresses = lookups.ToDictionary(l => l.host, l => l.answer, StringComparer.OrdinalIgnoreCase);
        var plan = DeliveryPlanner.Plan(lookupDomain, mx, addresses, _self, domainIsLocal, Random.Shared, port);
        return plan with { Domain = domain };
    }

    /// <summary>This server's identity: its host name and the addresses it listens on (every local address for a wildcard).</summary>
    public static SelfIdentity DescribeSelf(string hostname, IEnumerable<IPAddress> listenAddresses)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { hostname.TrimEnd('.').ToLowerInvariant() };
        var addresses = new HashSet<IPAddress>();
        foreach (var address in listenAddresses)
        {
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                foreach (var local in LocalAddresses())
                {
                    addresses.Add(local);
                }
            }
            else
            {
                addresses.Add(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
            }
        }

        return new SelfIdentity(names, addresses);
    }

    private static IEnumerable<IPAddress> LocalAddresses()
    {
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                yield return unicast.Address;
            }
        }
    }
}
