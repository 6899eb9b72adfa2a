using Carrier.Routing.Dmarc;
using Carrier.Routing.Spf;

namespace Carrier.Tests.Routing;

/// <summary>DMARC (RFC 7489): the record grammar, the organizational domain, alignment and policy discovery.</summary>
public sealed class DmarcTests
{
    private static readonly SpfVerdict SpfNone = new(SpfResult.None, "other.example", "no record");

    private readonly MemoryZone _zone = new();

    [Fact]
    public void A_full_record_is_read_tag_by_tag()
    {
        Assert.True(DmarcRecord.TryParse("v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=30; rua=mailto:d@example.org; fo=1", out var record, out _));

        Assert.Equal(new DmarcRecord(DmarcPolicy.Reject, DmarcPolicy.Quarantine, StrictDkim: true, StrictSpf: false, Percent: 30), record);
    }

    [Theory]
    [InlineData("v=DMARC1; p=none", DmarcPolicy.None)]
    [InlineData("v=DMARC1;p=quarantine;", DmarcPolicy.Quarantine)]
    [InlineData("v = DMARC1 ; p = REJECT", DmarcPolicy.Reject)]
    [InlineData("v=DMARC1; p=bogus; rua=mailto:reports@example.org", DmarcPolicy.None)]
    [InlineData("v=DMARC1; rua=mailto:reports@example.org", DmarcPolicy.None)]
    public void The_policy_defaults_as_section_6_6_3_says(string text, DmarcPolicy expected)
    {
        Assert.True(DmarcRecord.TryParse(text, out var record, out string error), error);
        Assert.Equal(expected, record.Policy);
        Assert.Equal(100, record.Percent);
        Assert.False(record.StrictDkim || record.StrictSpf);
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=DMARC1; p=bogus")]
    [InlineData("v=DMARC1")]
    [InlineData("v=DMARC1; p=none; sp=maybe")]
    [InlineData("v=DMARC1; p=none; adkim=x")]
    [InlineData("v=DMARC1; p=none; pct=101")]
    [InlineData("v=DMARC1; p=none; pct=-1")]
    [InlineData("v=DMARC1; p=none; garbage")]
    public void Invalid_records_are_refused(string text)
    {
        Assert.False(DmarcRecord.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("example.org", "example.org")]
    [InlineData("mail.example.org", "example.org")]
    [InlineData("a.b.c.example.org.", "example.org")]
    [InlineData("Mail.Example.CO.UK", "example.co.uk")]
    [InlineData("example.co.uk", "example.co.uk")]
    [InlineData("deep.sub.example.com.au", "example.com.au")]
    [InlineData("org", "org")]
    public void The_organizational_domain_is_one_label_below_the_public_suffix(string domain, string expected) =>
        Assert.Equal(expected, OrganizationalDomain.Of(domain));

    [Theory]
    [InlineData("example.org", "example.org", true, true)]
    [InlineData("mail.example.org", "example.org", false, true)]
    [InlineData("mail.example.org", "example.org", true, false)]
    [InlineData("example.org", "news.example.org", false, true)]
    [InlineData("example.net", "example.org", false, false)]
    [InlineData("one.co.uk", "two.co.uk", false, false)]
    public void Alignment_is_relaxed_by_organization_or_strict_by_name(string authenticated, string from, bool strict, bool expected) =>
        Assert.Equal(expected, OrganizationalDomain.Aligned(authenticated, from, strict));

    [Fact]
    public async Task Aligned_dkim_or_spf_passes()
    {
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=reject"];

        var byDkim = await EvaluateAsync("example.org", SpfNone, "mail.example.org");
        var bySpf = await EvaluateAsync("example.org", new SpfVerdict(SpfResult.Pass, "bounces.example.org", "matched"));

        Assert.Equal(DmarcResult.Pass, byDkim.Result);
        Assert.Equal(DmarcResult.Pass, bySpf.Result);
        Assert.Equal(DmarcPolicy.None, bySpf.Requested);
    }

    [Fact]
    public async Task Passing_for_an_unaligned_domain_fails_with_the_published_policy()
    {
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=reject; adkim=s; aspf=s"];

        var verdict = await EvaluateAsync("example.org", new SpfVerdict(SpfResult.Pass, "mail.example.org", "matched"), "example.net", "news.example.org");

        Assert.Equal(DmarcResult.Fail, verdict.Result);
        Assert.Equal(DmarcPolicy.Reject, verdict.Published);
        Assert.Equal(DmarcPolicy.Reject, verdict.Requested);
    }

    [Fact]
    public async Task A_subdomain_without_a_record_takes_the_organizations_sp()
    {
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=none; sp=quarantine"];

        var verdict = await EvaluateAsync("news.example.org", SpfNone);

        Assert.Equal(["_dmarc.news.example.org", "_dmarc.example.org"], _zone.Asked);
        Assert.Equal(DmarcResult.Fail, verdict.Result);
        Assert.Equal(DmarcPolicy.Quarantine, verdict.Requested);
        Assert.Equal("news.example.org", verdict.FromDomain);
    }

    [Fact]
    public async Task A_domain_of_its_own_uses_p_and_ignores_the_organization()
    {
        _zone.Txt["_dmarc.news.example.org"] = ["v=DMARC1; p=none"];
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=reject"];

        var verdict = await EvaluateAsync("news.example.org", SpfNone);

        Assert.Equal(["_dmarc.news.example.org"], _zone.Asked);
        Assert.Equal(DmarcPolicy.None, verdict.Requested);
    }

    [Fact]
    public async Task Messages_outside_the_pct_sample_get_the_next_milder_policy()
    {
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=reject; pct=20"];

        var sampled = await new DmarcEvaluator(_zone, () => 19).EvaluateAsync("example.org", SpfNone, [], CancellationToken.None);
        var spared = await new DmarcEvaluator(_zone, () => 20).EvaluateAsync("example.org", SpfNone, [], CancellationToken.None);

        Assert.Equal(DmarcPolicy.Reject, sampled.Requested);
        Assert.Equal(DmarcPolicy.Quarantine, spared.Requested);
    }

    [Fact]
    public async Task No_record_is_none_a_dns_failure_temperror_and_a_bad_record_permerror()
    {
        _zone.Txt["_dmarc.plain.example"] = ["some other text"];
        _zone.Failing.Add("_dmarc.broken.example");
        _zone.Txt["_dmarc.bad.example"] = ["v=DMARC1; p=sometimes"];
        _zone.Txt["_dmarc.twice.example"] = ["v=DMARC1; p=none", "v=DMARC1; p=reject"];

        Assert.Equal(DmarcResult.None, (await EvaluateAsync("plain.example", SpfNone)).Result);
        Assert.Equal(DmarcResult.TempError, (await EvaluateAsync("broken.example", SpfNone)).Result);
        Assert.Equal(DmarcResult.PermError, (await EvaluateAsync("bad.example", SpfNone)).Result);
        Assert.Equal(DmarcResult.PermError, (await EvaluateAsync("twice.example", SpfNone)).Result);
    }

    private Task<DmarcVerdict> EvaluateAsync(string from, SpfVerdict spf, params string[] dkimPassed) =>
        new DmarcEvaluator(_zone, () => 0).EvaluateAsync(from, spf, dkimPassed, CancellationToken.None);
}
