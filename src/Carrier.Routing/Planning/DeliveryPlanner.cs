using System.Net;
using System.Net.Sockets;
using Carrier.Routing.Dns;

namespace Carrier.Routing.Planning;

/// <summary>
/// The decision procedure of RFC 5321 §5.1 and RFC 7505, as a pure function from DNS answers to a plan
/// (ARCHITECTURE.md §5). Lookups happen elsewhere (<see cref="MxRouter"/>); everything here is testable
/// with made-up answers.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>MX NXDOMAIN: bounce 5.1.2. SERVFAIL, timeout: defer 4.4.3.</item>
/// <item>Null MX (<c>MX 0 .</c>): bounce 5.1.10.</item>
/// <item>No MX records: the domain itself is the only host (implicit MX, preference 0).</item>
/// <item>Sort by preference, lowest first; shuffle hosts of equal preference (load sharing).</item>
/// <item>If this server is one of the hosts, drop it and every host of equal or higher preference: mail goes
/// only to better hosts. None left: the domain is local (deliver here) or the mail would loop (bounce 5.4.6).</item>
/// <item>Hosts whose names do not exist are skipped; if no host has an address: defer when a lookup failed
/// temporarily, otherwise bounce 5.4.4.</item>
/// </list>
/// </remarks>
public static class DeliveryPlanner
{
    public const int SmtpPort = 25;

    /// <summary>The host names whose addresses the plan needs, from the MX answer.</summary>
    public static IReadOnlyList<string> HostsToResolve(string domain, DnsAnswer<MxRecord> mx) => mx.Status switch
    {
        DnsStatus.NoData => [domain],
        DnsStatus.Ok => [.. mx.Records.Where(r => !r.IsNullMx).Select(r => r.Host).Distinct(StringComparer.OrdinalIgnoreCase)],
        _ => [],
    };

    public static DeliveryPlan Plan(
        string domain,
        DnsAnswer<MxRecord> mx,
        IReadOnlyDictionary<string, DnsAnswer<IPAddress>> addresses,
        SelfIdentity self,
        bool domainIsLocal,
        Random random,
        int port = SmtpPort)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        switch (mx.Status)
        {
            case DnsStatus.NameError:
                return DeliveryPlan.Bounce(domain, "5.1.2", $"domain {domain} does not exist (DNS: NXDOMAIN)");
            case DnsStatus.TemporaryFailure:
                return DeliveryPlan.Defer(domain, "4.4.3", $"MX lookup for {domain} failed temporarily ({mx.Error ?? "no answer"})");
        }

        bool implicitMx = mx.Status == DnsStatus.NoData;
        List<MxRecord> candidates;
        if (implicitMx)
        {
            candidates = [new MxRecord(0, domain)];
        }
        else
        {
            var real = mx.Records.Where(r => !r.IsNullMx).ToList();
            if (real.Count == 0)
            {
                return DeliveryPlan.Bounce(domain, "5.1.10", $"domain {domain} accepts no mail (null MX, RFC 7505)", mx.Records);
            }

            candidates = Order(real, random);
        }

        var notes = new List<string>();
        int? selfPreference = null;
        foreach (var candidate in candidates)
        {
            var known = addresses.TryGetValue(candidate.Host, out var answer) ? answer.Records : [];
            if (self.Matches(candidate.Host, known) && (selfPreference is null || candidate.Preference < selfPreference))
            {
                selfPreference = candidate.Preference;
            }
        }

        if (selfPreference is { } cut)
        {
            int before = candidates.Count;
            candidates = [.. candidates.Where(c => c.Preference < cut)];
            notes.Add($"this server is an MX host of {domain} at preference {cut}: {before - candidates.Count} host(s) at {cut} or higher are not tried");
            if (candidates.Count == 0)
            {
                return domainIsLocal
                    ? new DeliveryPlan(domain, PlanKind.Local, [], "2.0.0", $"this server is the best MX host of {domain}", implicitMx, mx.Records, notes)
                    : DeliveryPlan.Bounce(domain, "5.4.6", $"mail for {domain} loops back to myself (this server is its best MX host)", mx.Records, notes);
            }
        }

        var hosts = new List<PlannedHost>();
        bool temporary = false;
        foreach (var candidate in candidates)
        {
            if (!addresses.TryGetValue(candidate.Host, out var answer))
            {
                temporary = true;
                notes.Add($"{candidate.Host}: not looked up");
                continue;
            }

            switch (answer.Status)
            {
                case DnsStatus.Ok:
                    hosts.Add(new PlannedHost(candidate.Host, candidate.Preference, OrderAddresses(answer.Records), port));
                    break;
                case DnsStatus.TemporaryFailure:
                    temporary = true;
                    notes.Add($"{candidate.Host}: address lookup failed temporarily ({answer.Error})");
                    break;
                default:
                    notes.Add($"{candidate.Host}: has no address ({(answer.Status == DnsStatus.NameError ? "NXDOMAIN" : "no A or AAAA records")}), skipped");
                    break;
            }
        }

        if (hosts.Count > 0)
        {
            return new DeliveryPlan(domain, PlanKind.Deliver, hosts, "2.0.0", "deliver", implicitMx, mx.Records, notes);
        }

        return temporary
            ? DeliveryPlan.Defer(domain, "4.4.3", $"no address for the mail hosts of {domain} yet", mx.Records, notes)
            : DeliveryPlan.Bounce(domain, "5.4.4", implicitMx
                ? $"{domain} has neither MX nor address records: no route"
                : $"no MX host of {domain} has an address: no route", mx.Records, notes);
    }

    /// <summary>By preference; equal preferences in random order (RFC 5321 §5.1: spread the load).</summary>
    private static List<MxRecord> Order(List<MxRecord> records, Random random) =>
        [.. records.GroupBy(r => r.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.DistinctBy(r => r.Host, StringComparer.OrdinalIgnoreCase).OrderBy(_ => random.Next()))];

    // IPv4 first: hosts with an AAAA record but no IPv6 route are common, and each failed connect costs time.
    private static List<IPAddress> OrderAddresses(IReadOnlyList<IPAddress> addresses) =>
        [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)];
}
