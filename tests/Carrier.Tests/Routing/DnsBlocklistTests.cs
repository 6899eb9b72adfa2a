using System.Net;
using Carrier.Routing.Blocklists;
using Carrier.Routing.Dns;

namespace Carrier.Tests.Routing;

/// <summary>RFC 5782 query names and how answers are read; the lab asks a real NSD (<c>DnsblTests</c>).</summary>
public sealed class DnsBlocklistTests
{
    [Fact]
    public void IPv4_octets_and_IPv6_nibbles_are_reversed_under_the_zone()
    {
        // The examples of RFC 5782 §2.1 and §2.4.
        Assert.Equal("99.2.0.192.bl.example", DnsBlocklist.QueryName(IPAddress.Parse("192.0.2.99"), "bl.example"));
        Assert.Equal(
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example",
            DnsBlocklist.QueryName(IPAddress.Parse("2001:db8:1:2:3:4:567:89ab"), "bl.example"));
    }

    [Fact]
    public async Task The_first_zone_in_order_that_lists_the_client_decides_and_the_shortest_TTL_is_kept()
    {
        var dns = new Answers
        {
            ["10.2.0.192.first.example"] = new DnsAnswer<IPAddress>(DnsStatus.NameError, []) { TimeToLive = TimeSpan.FromSeconds(90) },
            ["10.2.0.192.second.example"] = new DnsAnswer<IPAddress>(DnsStatus.Ok, [IPAddress.Parse("127.0.0.4")]) { TimeToLive = TimeSpan.FromSeconds(600) },
            ["10.2.0.192.third.example"] = new DnsAnswer<IPAddress>(DnsStatus.Ok, [IPAddress.Parse("127.0.0.2")]),
        };
        var verdict = await new DnsBlocklist(["first.example", "Second.Example.", "third.example"], dns).CheckAsync(IPAddress.Parse("192.0.2.10"), CancellationToken.None);

        Assert.True(verdict.IsListed);
        Assert.Equal("second.example", verdict.ListedBy);
        Assert.Equal(IPAddress.Parse("127.0.0.4"), verdict.Code);
        Assert.Equal(TimeSpan.FromSeconds(90), verdict.TimeToLive);
    }

    [Fact]
    public async Task Failures_and_answers_that_are_no_listing_code_let_the_client_in_and_are_reported()
    {
        var dns = new Answers
        {
            ["10.2.0.192.down.example"] = DnsAnswer.Empty<IPAddress>(DnsStatus.TemporaryFailure, "timed out"),
            ["10.2.0.192.refusing.example"] = DnsAnswer.Found<IPAddress>([IPAddress.Parse("127.255.255.254")]),
            ["10.2.0.192.hijacked.example"] = DnsAnswer.Found<IPAddress>([IPAddress.Parse("203.0.113.80")]),
        };
        var verdict = await new DnsBlocklist(["down.example", "refusing.example", "hijacked.example", "clean.example"], dns).CheckAsync(IPAddress.Parse("192.0.2.10"), CancellationToken.None);

        Assert.False(verdict.IsListed);
        Assert.Equal(3, verdict.Failures.Count);
        Assert.Contains("down.example: timed out", verdict.Failures);
        Assert.Contains(verdict.Failures, f => f.StartsWith("refusing.example: answer 127.255.255.254", StringComparison.Ordinal));
        Assert.Equal(DnsBlocklist.DefaultTimeToLive, verdict.TimeToLive);
    }

    // Answers by name; every other name does not exist.
    private sealed class Answers : Dictionary<string, DnsAnswer<IPAddress>>, IARecordResolver
    {
        public Task<DnsAnswer<IPAddress>> ResolveARecordsAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(TryGetValue(name, out var answer) ? answer : DnsAnswer.Empty<IPAddress>(DnsStatus.NameError));
    }
}
