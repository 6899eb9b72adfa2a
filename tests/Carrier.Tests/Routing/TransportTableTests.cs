using Carrier.Routing.Planning;

namespace Carrier.Tests.Routing;

public sealed class TransportTableTests
{
    [Theory]
    [InlineData("[10.0.0.5]:2525", "10.0.0.5", 2525, false)]
    [InlineData("[relay.example.org]", "relay.example.org", 25, false)]
    [InlineData("relay.example.org", "relay.example.org", 25, true)]
    [InlineData("Relay.Example.Org.:587", "relay.example.org", 587, true)]
    [InlineData("[2001:db8::1]:25", "2001:db8::1", 25, false)]
    public void Next_hops_are_read_in_postfix_notation(string text, string host, int port, bool lookUpMx)
    {
        Assert.True(NextHop.TryParse(text, out var hop, out _));
        Assert.Equal(new NextHop(host, port, lookUpMx), hop);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[host")]
    [InlineData("[host]x")]
    [InlineData("host:99999")]
    [InlineData("host:abc")]
    [InlineData(":25")]
    public void Bad_next_hops_are_refused_with_a_reason(string text)
    {
        Assert.False(NextHop.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Exact_entries_win_over_parent_entries_and_the_default_relay()
    {
        var table = new TransportTable(
            new Dictionary<string, NextHop>
            {
                ["example.org"] = new("exact", 25, false),
                [".example.org"] = new("subdomains", 25, false),
            },
            new NextHop("smarthost", 587, true));

        Assert.Equal("exact", table.Find("example.org")!.Host);
        Assert.Equal("subdomains", table.Find("sales.example.org")!.Host);
        Assert.Equal("subdomains", table.Find("a.b.example.org")!.Host);
        Assert.Equal("smarthost", table.Find("elsewhere.example")!.Host);
        Assert.Null(TransportTable.Empty.Find("example.org"));
    }
}
