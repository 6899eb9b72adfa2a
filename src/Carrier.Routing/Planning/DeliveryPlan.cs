using System.Net;
using Carrier.Routing.Dns;

namespace Carrier.Routing.Planning;

/// <summary>What to do with mail for a domain.</summary>
public enum PlanKind
{
    /// <summary>Try the hosts in order.</summary>
    Deliver,

    /// <summary>The answer is final: return the mail to its sender.</summary>
    Bounce,

    /// <summary>The answer may change: keep the mail and try later.</summary>
    Defer,

    /// <summary>This server is the best MX of a domain it serves: deliver here.</summary>
    Local,
}

/// <summary>A host to try, its preference and addresses, and the port to connect to.</summary>
public sealed record PlannedHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses, int Port)
{
    public override string ToString() => $"{Name} (preference {Preference}): {string.Join(", ", Addresses)} port {Port}";
}

/// <summary>
/// The outcome of routing a domain: the hosts to try in order, or why none will be, with the RFC 3463 status
/// a bounce or deferral carries. <see cref="Notes"/> explains choices (skipped hosts, cut backup MXes).
/// </summary>
public sealed record DeliveryPlan(
    string Domain,
    PlanKind Kind,
    IReadOnlyList<PlannedHost> Hosts,
    string Status,
    string Reason,
    bool ImplicitMx,
    IReadOnlyList<MxRecord> MxRecords,
    IReadOnlyList<string> Notes)
{
    public static DeliveryPlan Bounce(string domain, string status, string reason, IReadOnlyList<MxRecord>? mx = null, IReadOnlyList<string>? notes = null) =>
        new(domain, PlanKind.Bounce, [], status, reason, false, mx ?? [], notes ?? []);

    public static DeliveryPlan Defer(string domain, string status, string reason, IReadOnlyList<MxRecord>? mx = null, IReadOnlyList<string>? notes = null) =>
        new(domain, PlanKind.Defer, [], status, reason, false, mx ?? [], notes ?? []);
}

/// <summary>The names and addresses that are this server, for the backup-MX rule.</summary>
public sealed record SelfIdentity(IReadOnlySet<string> Names, IReadOnlySet<IPAddress> Addresses)
{
    public bool Matches(string host, IEnumerable<IPAddress> addresses) =>
        Names.Contains(host.TrimEnd('.').ToLowerInvariant()) || addresses.Any(Addresses.Contains);
}
