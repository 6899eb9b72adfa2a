using System.Net;
using Carrier.Routing.Dns;
using Carrier.Routing.Spf;

namespace Carrier.Tests.Routing;

/// <summary>
/// The decisions of check_host() (RFC 7208) over a zone held in memory: the evaluation logic only. The
/// same records served by a real DNS server are checked in the lab.
/// </summary>
public sealed class SpfEvaluatorTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private readonly MemoryZone _zone = new();

    private Task<SpfVerdict> CheckAsync(string sender, IPAddress? client = null) =>
        new SpfEvaluator(_zone, _zone).CheckAsync(client ?? Client, sender, "client.example.net", CancellationToken.None);

    [Theory]
    [InlineData("v=spf1 ip4:192.0.2.0/24 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ip4:198.51.100.1 -all", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:198.51.100.1 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ip4:198.51.100.1 ?all", SpfResult.Neutral)]
    [InlineData("v=spf1 ip4:198.51.100.1", SpfResult.Neutral)]
    [InlineData("v=spf1 a -all", SpfResult.Pass)]
    [InlineData("v=spf1 mx -all", SpfResult.Pass)]
    [InlineData("v=spf1 a:other.example.org/24 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ip6:2001:db8::/32 -all", SpfResult.Fail)]
    [InlineData("v=spf1 -ip4:192.0.2.10 +all", SpfResult.Fail)]
    [InlineData("v=spf1 exp=explain.example.org unknown-modifier=x ip4:192.0.2.10 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ptr -all", SpfResult.Fail)]
    [InlineData("v=spf1 foo:bar -all", SpfResult.PermError)]
    [InlineData("v=spf1 ip4:not-an-address -all", SpfResult.PermError)]
    public async Task A_record_decides_by_its_first_matching_term(string record, SpfResult expected)
    {
        _zone.Txt["example.org"] = [record];
        _zone.Addresses["example.org"] = [Client];
        _zone.Addresses["other.example.org"] = [IPAddress.Parse("192.0.2.99")];
        _zone.Mx["example.org"] = [new MxRecord(10, "mx.example.org")];
        _zone.Addresses["mx.example.org"] = [Client];

        Assert.Equal(expected, (await CheckAsync("alice@example.org")).Result);
    }

    [Fact]
    public async Task No_record_is_none_and_two_records_are_a_permanent_error()
    {
        _zone.Txt["plain.example"] = ["google-site-verification=abc"];
        Assert.Equal(SpfResult.None, (await CheckAsync("a@plain.example")).Result);
        Assert.Equal(SpfResult.None, (await CheckAsync("a@missing.example")).Result);

        _zone.Txt["twice.example"] = ["v=spf1 -all", "v=spf1 +all"];
        Assert.Equal(SpfResult.PermError, (await CheckAsync("a@twice.example")).Result);
    }

    [Fact]
    public async Task A_dns_failure_is_a_temporary_error()
    {
        _zone.Failing.Add("broken.example");

        var verdict = await CheckAsync("a@broken.example");

        Assert.Equal(SpfResult.TempError, verdict.Result);
        Assert.Equal("temperror", verdict.Keyword);
    }

    [Fact]
    public async Task Include_matches_only_on_pass_and_redirect_replaces_the_record()
    {
        _zone.Txt["example.org"] = ["v=spf1 include:_spf.provider.example -all"];
        _zone.Txt["_spf.provider.example"] = ["v=spf1 ip4:192.0.2.0/28 -all"];
        _zone.Txt["redirected.example"] = ["v=spf1 redirect=_spf.provider.example"];

        Assert.Equal(SpfResult.Pass, (await CheckAsync("a@example.org")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync("a@example.org", IPAddress.Parse("203.0.113.5"))).Result);
        Assert.Equal(SpfResult.Pass, (await CheckAsync("a@redirected.example")).Result);
    }

    [Fact]
    public async Task An_include_of_a_domain_without_spf_is_a_permanent_error()
    {
        _zone.Txt["example.org"] = ["v=spf1 include:nothing.example -all"];

        Assert.Equal(SpfResult.PermError, (await CheckAsync("a@example.org")).Result);
    }

    [Fact]
    public async Task More_than_ten_lookups_is_a_permanent_error()
    {
        _zone.Txt["example.org"] = ["v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a:h{i}.example.org")) + " -all"];
        foreach (int i in Enumerable.Range(0, 11))
        {
            _zone.Addresses[$"h{i}.example.org"] = [IPAddress.Parse("198.51.100.1")];
        }

        var verdict = await CheckAsync("a@example.org");

        Assert.Equal(SpfResult.PermError, verdict.Result);
        Assert.Contains("10 DNS lookups", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_include_loop_ends_in_a_permanent_error()
    {
        _zone.Txt["loop.example"] = ["v=spf1 include:loop.example -all"];

        Assert.Equal(SpfResult.PermError, (await CheckAsync("a@loop.example")).Result);
    }

    [Fact]
    public async Task Macros_expand_the_reversed_address_and_the_sender()
    {
        _zone.Txt["example.org"] = ["v=spf1 exists:%{ir}.%{l1r-}.%{d}.check.example -all"];
        _zone.Addresses["10.2.0.192.alice.example.org.check.example"] = [IPAddress.Parse("127.0.0.2")];

        Assert.Equal(SpfResult.Pass, (await CheckAsync("alice@example.org")).Result);
        Assert.Equal(SpfResult.Fail, (await CheckAsync("bob@example.org")).Result);
    }

    [Fact]
    public async Task An_empty_sender_is_checked_as_postmaster_at_the_helo_name()
    {
        _zone.Txt["client.example.net"] = ["v=spf1 ip4:192.0.2.10 -all"];

        var verdict = await CheckAsync(string.Empty);

        Assert.Equal(SpfResult.Pass, verdict.Result);
        Assert.Equal("client.example.net", verdict.Domain);
    }
}
