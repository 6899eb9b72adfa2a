using Carrier.Configuration;
using Carrier.Delivery.Remote;
using Carrier.Smtp.Client;
using Carrier.Testing;

namespace Carrier.Tests.Smtp.Client;

/// <summary><c>Tls:Outbound</c>: the policy notation, the lookup by destination domain, and configuration problems.</summary>
public sealed class OutboundTlsPolicyTests : IDisposable
{
    private readonly TempDirectory _directory = new("tls-policy");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("none", TlsLevel.None)]
    [InlineData("may", TlsLevel.May)]
    [InlineData("ENCRYPT", TlsLevel.Encrypt)]
    [InlineData("verify", TlsLevel.Verify)]
    [InlineData("secure", TlsLevel.Verify)]
    public void Levels_parse_in_postfix_notation(string text, TlsLevel level)
    {
        Assert.True(OutboundTlsPolicy.TryParse(text, out var policy, out _));
        Assert.Equal(level, policy.Level);
        Assert.Empty(policy.MatchNames);
    }

    [Fact]
    public void Verify_takes_match_names()
    {
        Assert.True(OutboundTlsPolicy.TryParse("verify match=mx.example.net:.example.net", out var policy, out _));
        Assert.Equal(["mx.example.net", ".example.net"], policy.MatchNames);
        Assert.Equal("verify match=mx.example.net:.example.net", policy.ToString());
        Assert.True(policy.RequiresTls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("dane")]
    [InlineData("may match=mx.example.net")]
    [InlineData("verify ciphers=high")]
    public void Other_notations_are_refused_with_a_reason(string text)
    {
        Assert.False(OutboundTlsPolicy.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_domain_gets_its_own_policy_then_its_nearest_parent_entry_then_the_default()
    {
        var table = new TlsPolicyTable(
            new Dictionary<string, OutboundTlsPolicy>
            {
                ["bank.example"] = new(TlsLevel.Verify, []),
                [".example"] = new(TlsLevel.Encrypt, []),
                [".legacy.example"] = OutboundTlsPolicy.None,
            },
            OutboundTlsPolicy.May);

        Assert.Equal(TlsLevel.Verify, table.For("BANK.example").Level);
        Assert.Equal(TlsLevel.Encrypt, table.For("mail.bank.example").Level);
        Assert.Equal(TlsLevel.None, table.For("old.legacy.example").Level);
        Assert.Equal(TlsLevel.Encrypt, table.For("legacy.example").Level);
        Assert.Equal(TlsLevel.May, table.For("example.org").Level);
    }

    [Fact]
    public void Configuration_builds_the_table_and_the_default_follows_opportunistic_tls()
    {
        var (settings, problems) = ConfigurationLoader.TryLoad(_directory.Path, new Dictionary<string, string?>
        {
            ["Tls:Outbound:Policies:bank.example"] = "verify match=mx.bank.example",
            ["Tls:Outbound:Default"] = "encrypt",
        });
        Assert.Empty(problems);
        Assert.Equal(new OutboundTlsPolicy(TlsLevel.Verify, ["mx.bank.example"]), settings!.Parsed.OutboundTls.For("bank.example"));
        Assert.Equal(TlsLevel.Encrypt, settings.Parsed.OutboundTls.For("example.org").Level);

        var (plain, _) = ConfigurationLoader.TryLoad(_directory.Path, new Dictionary<string, string?> { ["Delivery:OpportunisticTls"] = "false" });
        Assert.Equal(TlsLevel.None, plain!.Parsed.OutboundTls.Default.Level);
        var (opportunistic, _) = ConfigurationLoader.TryLoad(_directory.Path, null);
        Assert.Equal(TlsLevel.May, opportunistic!.Parsed.OutboundTls.Default.Level);
    }

    [Fact]
    public void A_bad_level_is_a_problem_naming_its_key()
    {
        var (settings, problems) = ConfigurationLoader.TryLoad(_directory.Path, new Dictionary<string, string?> { ["Tls:Outbound:Policies:bank.example"] = "mandatory" });
        Assert.Null(settings);
        var problem = Assert.Single(problems);
        Assert.Equal("Tls:Outbound:Policies:bank.example", problem.Key);
        Assert.Contains("none, may, encrypt or verify", problem.Message, StringComparison.Ordinal);
    }
}
