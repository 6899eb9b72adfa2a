using System.Net;
using Carrier.Routing.Dns;
using Carrier.Routing.Planning;

namespace Carrier.Tests.Routing;

/// <summary>RFC 5321 §5.1 and RFC 7505 decisions, from made-up DNS answers.</summary>
public sealed class DeliveryPlannerTests
{
    private static readonly SelfIdentity Me = new(
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "carrier.example" },
        new HashSet<IPAddress> { IPAddress.Parse("192.0.2.1") });

    private static DnsAnswer<MxRecord> Mx(params (int Preference, string Host)[] records) =>
        DnsAnswer.Found<MxRecord>([.. records.Select(r => new MxRecord(r.Preference, r.Host))]);

    private static Dictionary<string, DnsAnswer<IPAddress>> Addresses(params (string Host, string[] Addresses)[] hosts) =>
        hosts.ToDictionary(h => h.Host, h => DnsAnswer.Found<IPAddress>([.. h.Addresses.Select(IPAddress.Parse)]), StringComparer.OrdinalIgnoreCase);

    private static DeliveryPlan Plan(DnsAnswer<MxRecord> mx, Dictionary<string, DnsAnswer<IPAddress>> addresses, bool local = false, int seed = 1) =>
        DeliveryPlanner.Plan("example.org", mx, addresses, Me, local, new Random(seed));

    [Fact]
    public void Hosts_are_tried_lowest_preference_first()
    {
        var plan = Plan(Mx((20, "mx2.example.org"), (10, "mx1.example.org"), (30, "mx3.example.org")),
            Addresses(("mx1.example.org", ["198.51.100.1"]), ("mx2.example.org", ["198.51.100.2"]), ("mx3.example.org", ["198.51.100.3"])));

        Assert.Equal(PlanKind.Deliver, plan.Kind);
        Assert.Equal(["mx1.example.org", "mx2.example.org", "mx3.example.org"], plan.Hosts.Select(h => h.Name));
        Assert.All(plan.Hosts, h => Assert.Equal(25, h.Port));
    }

    [Fact]
    public void Hosts_of_equal_preference_come_in_every_order_over_many_plans()
    {
        var mx = Mx((10, "a.example.org"), (10, "b.example.org"), (20, "c.example.org"));
        var addresses = Addresses(("a.example.org", ["198.51.100.1"]), ("b.example.org", ["198.51.100.2"]), ("c.example.org", ["198.51.100.3"]));
        var firsts = Enumerable.Range(0, 50).Select(seed => Plan(mx, addresses, seed: seed).Hosts[0].Name).ToHashSet();

        Assert.Equal(["a.example.org", "b.example.org"], firsts.Order());
        Assert.All(Enumerable.Range(0, 20), seed => Assert.Equal("c.example.org", Plan(mx, addresses, seed: seed).Hosts[2].Name));
    }

    [Fact]
    public void No_mx_records_mean_the_domain_itself_is_the_host()
    {
        var plan = Plan(DnsAnswer.Empty<MxRecord>(DnsStatus.NoData), Addresses(("example.org", ["198.51.100.7"])));

        Assert.Equal(PlanKind.Deliver, plan.Kind);
        Assert.True(plan.ImplicitMx);
        var host = Assert.Single(plan.Hosts);
        Assert.Equal("example.org", host.Name);
        Assert.Equal([IPAddress.Parse("198.51.100.7")], host.Addresses);
    }

    [Fact]
    public void A_null_mx_bounces_with_5_1_10()
    {
        var plan = Plan(Mx((0, "")), []);

        Assert.Equal(PlanKind.Bounce, plan.Kind);
        Assert.Equal("5.1.10", plan.Status);
        Assert.Contains("null MX", plan.Reason);
    }

    [Fact]
    public void A_nonexistent_domain_bounces_with_5_1_2()
    {
        var plan = Plan(DnsAnswer.Empty<MxRecord>(DnsStatus.NameError), []);

        Assert.Equal(PlanKind.Bounce, plan.Kind);
        Assert.Equal("5.1.2", plan.Status);
    }

    [Fact]
    public void A_dns_failure_defers_and_never_bounces()
    {
        var plan = Plan(DnsAnswer.Empty<MxRecord>(DnsStatus.TemporaryFailure, "SERVFAIL"), []);

        Assert.Equal(PlanKind.Defer, plan.Kind);
        Assert.StartsWith("4.", plan.Status);
        Assert.Contains("SERVFAIL", plan.Reason);
    }

    [Fact]
    public void As_backup_mx_only_better_hosts_are_tried()
    {
        var plan = Plan(Mx((10, "primary.example.org"), (20, "carrier.example"), (30, "tertiary.example.org")),
            Addresses(("primary.example.org", ["198.51.100.1"]), ("carrier.example", ["192.0.2.1"]), ("tertiary.example.org", ["198.51.100.3"])));

        Assert.Equal(PlanKind.Deliver, plan.Kind);
        Assert.Equal(["primary.example.org"], plan.Hosts.Select(h => h.Name));
        Assert.Contains(plan.Notes, n => n.Contains("preference 20", StringComparison.Ordinal));
    }

    [Fact]
    public void This_server_is_recognised_by_address_as_well_as_by_name()
    {
        var plan = Plan(Mx((10, "primary.example.org"), (20, "alias-of-me.example.org")),
            Addresses(("primary.example.org", ["198.51.100.1"]), ("alias-of-me.example.org", ["192.0.2.1"])));

        Assert.Equal(["primary.example.org"], plan.Hosts.Select(h => h.Name));
    }

    [Fact]
    public void Being_the_best_mx_of_a_remote_domain_is_a_loop_bounced_with_5_4_6()
    {
        var plan = Plan(Mx((10, "carrier.example"), (20, "backup.example.org")),
            Addresses(("carrier.example", ["192.0.2.1"]), ("backup.example.org", ["198.51.100.2"])));

        Assert.Equal(PlanKind.Bounce, plan.Kind);
        Assert.Equal("5.4.6", plan.Status);
    }

    [Fact]
    public void Being_the_best_mx_of_a_local_domain_means_deliver_here()
    {
        var plan = Plan(Mx((10, "carrier.example")), Addresses(("carrier.example", ["192.0.2.1"])), local: true);

        Assert.Equal(PlanKind.Local, plan.Kind);
    }

    [Fact]
    public void Hosts_without_addresses_are_skipped()
    {
        var addresses = Addresses(("mx2.example.org", ["198.51.100.2"]));
        addresses["mx1.example.org"] = DnsAnswer.Empty<IPAddress>(DnsStatus.NameError);
        var plan = Plan(Mx((10, "mx1.example.org"), (20, "mx2.example.org")), addresses);

        Assert.Equal(["mx2.example.org"], plan.Hosts.Select(h => h.Name));
        Assert.Contains(plan.Notes, n => n.StartsWith("mx1.example.org", StringComparison.Ordinal));
    }

    [Fact]
    public void No_host_with_an_address_defers_when_a_lookup_failed_and_bounces_when_none_exist()
    {
        var temporary = new Dictionary<string, DnsAnswer<IPAddress>>
        {
            ["mx1.example.org"] = DnsAnswer.Empty<IPAddress>(DnsStatus.TemporaryFailure, "timeout"),
            ["mx2.example.org"] = DnsAnswer.Empty<IPAddress>(DnsStatus.NameError),
        };
        var permanent = new Dictionary<string, DnsAnswer<IPAddress>>
        {
            ["mx1.example.org"] = DnsAnswer.Empty<IPAddress>(DnsStatus.NoData),
            ["mx2.example.org"] = DnsAnswer.Empty<IPAddress>(DnsStatus.NameError),
        };
        var mx = Mx((10, "mx1.example.org"), (20, "mx2.example.org"));

        Assert.Equal(PlanKind.Defer, Plan(mx, temporary).Kind);
        var bounce = Plan(mx, permanent);
        Assert.Equal(PlanKind.Bounce, bounce.Kind);
        Assert.Equal("5.4.4", bounce.Status);
    }

    [Fact]
    public void Ipv4_addresses_are_tried_before_ipv6()
    {
        var plan = Plan(Mx((10, "mx.example.org")), Addresses(("mx.example.org", ["2001:db8::1", "198.51.100.1"])));

        Assert.Equal([IPAddress.Parse("198.51.100.1"), IPAddress.Parse("2001:db8::1")], plan.Hosts[0].Addresses);
    }

    [Fact]
    public void Hosts_to_resolve_follow_the_mx_answer()
    {
        Assert.Equal(["example.org"], DeliveryPlanner.HostsToResolve("example.org", DnsAnswer.Empty<MxRecord>(DnsStatus.NoData)));
        Assert.Equal(["a.example.org", "b.example.org"], DeliveryPlanner.HostsToResolve("example.org", Mx((10, "a.example.org"), (20, "b.example.org"), (30, "a.example.org"))));
        Assert.Empty(DeliveryPlanner.HostsToResolve("example.org", Mx((0, "."))));
        Assert.Empty(DeliveryPlanner.HostsToResolve("example.org", DnsAnswer.Empty<MxRecord>(DnsStatus.NameError)));
    }
}
