using System.Net;
using System.Text;
using Carrier.Delivery.Authentication;
using Carrier.Delivery.Dkim;
using Carrier.Routing.Dmarc;
using Carrier.Routing.Spf;
using Carrier.Testing;
using Carrier.Tests.Routing;

namespace Carrier.Tests.Delivery;

/// <summary>
/// Sender authentication of received mail over DNS held in memory: DKIM signatures made here with freshly
/// generated keys (RSA and Ed25519) verified or refused, DMARC decisions, and the Authentication-Results field
/// written and forged copies of it removed (RFC 8601 §5).
/// </summary>
public sealed class InboundAuthenticationTests : IDisposable
{
    private const string Us = "mail.local.test";
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private readonly MemoryZone _zone = new();
    private readonly TempDirectory _keys = new("dkim-keys");

    public void Dispose() => _keys.Dispose();

    private static string Message(string from, string body = "Hello.\r\n", string extraHeader = "") =>
        "Received: from client.example.net (unknown [192.0.2.10])\r\n\tby mail.local.test (Carrier) with ESMTP id Q1; Wed, 2 Dec 2026 03:00:00 +0000\r\n"
        + extraHeader
        + $"From: Sender <{from}>\r\nTo: <bob@local.test>\r\nSubject: checked\r\nDate: Wed, 2 Dec 2026 03:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\n{body}";

    /// <summary>Signs as DkimSigning does for outbound mail, with a new key published in the zone.</summary>
    private byte[] Signed(string content, string domain, string selector, DkimKeyType type = DkimKeyType.Rsa)
    {
        var pair = DkimKeys.Generate(domain, selector, type);
        DkimKeys.Save(_keys.Path, pair);
        _zone.Txt[pair.DnsName] = [pair.DnsRecord];
        var signed = DkimSigning.Load(_keys.Path).Sign(Encoding.ASCII.GetBytes(content));
        Assert.NotNull(signed);
        return signed;
    }

    private async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(byte[] content)
    {
        using var stream = new MemoryStream(content);
        var message = await MimeKit.MimeMessage.LoadAsync(stream);
        return await new DkimVerification(_zone).VerifyAsync(message, CancellationToken.None);
    }

    [Theory]
    [InlineData(DkimKeyType.Rsa)]
    [InlineData(DkimKeyType.Ed25519)]
    public async Task A_signature_with_the_published_key_passes(DkimKeyType type)
    {
        var results = await VerifyAsync(Signed(Message("alice@example.org"), "example.org", "s1", type));

        var result = Assert.Single(results);
        Assert.Equal("pass", result.Keyword);
        Assert.Equal("example.org", result.Domain);
        Assert.Equal("s1", result.Selector);
        Assert.Equal(8, result.SignaturePrefix.Length);
    }

    [Fact]
    public async Task An_altered_body_fails_and_an_unsigned_message_has_no_results()
    {
        byte[] signed = Signed(Message("alice@example.org"), "example.org", "s1");
        byte[] altered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(signed).Replace("Hello.", "Hullo.", StringComparison.Ordinal));

        Assert.Equal("fail", Assert.Single(await VerifyAsync(altered)).Keyword);
        Assert.Empty(await VerifyAsync(Encoding.ASCII.GetBytes(Message("alice@example.org"))));
    }

    [Fact]
    public async Task A_missing_key_is_a_permanent_and_a_dns_failure_a_temporary_error()
    {
        byte[] signed = Signed(Message("alice@example.org"), "example.org", "s1");
        _zone.Txt.Remove("s1._domainkey.example.org");
        Assert.Equal("permerror", Assert.Single(await VerifyAsync(signed)).Keyword);

        _zone.Failing.Add("s1._domainkey.example.org");
        Assert.Equal("temperror", Assert.Single(await VerifyAsync(signed)).Keyword);
    }

    [Fact]
    public async Task At_most_the_configured_number_of_signatures_is_examined()
    {
        string content = Message("alice@example.org");
        for (int i = 0; i < 7; i++)
        {
            content = $"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=n{i}; h=from; bh=AAAA; b=AAAA\r\n" + content;
        }

        var results = await VerifyAsync(Encoding.ASCII.GetBytes(content));

        // The first five in header order; their body hashes are wrong, so each fails before any key is fetched.
        Assert.Equal(["n6", "n5", "n4", "n3", "n2"], results.Select(r => r.Selector));
        Assert.All(results, r => Assert.Equal("fail", r.Keyword));
        Assert.Empty(_zone.Asked);
    }

    [Fact]
    public void The_field_reports_each_method_with_its_identities()
    {
        var spf = new SpfVerdict(SpfResult.Pass, "example.org", "matched ip4:192.0.2.0/24");
        var dkim = new[] { new DkimSignatureResult("pass", "example.org", "@example.org", "s1", "AbC/+d=x", "signature verified") };
        var dmarc = new DmarcVerdict(DmarcResult.Pass, "example.org", DmarcPolicy.Reject, DmarcPolicy.None, "aligned");

        string field = AuthenticationResultsHeader.Format(Us, spf, "alice@example.org", "client.example.net", dkim, dmarc);

        Assert.Equal(
            "Authentication-Results: mail.local.test;\r\n"
            + "\tspf=pass (matched ip4:192.0.2.0/24) smtp.mailfrom=alice@example.org;\r\n"
            + "\tdkim=pass (signature verified) header.d=example.org header.i=@example.org header.s=s1 header.b=\"AbC/+d=x\";\r\n"
            + "\tdmarc=pass (p=reject) header.from=example.org\r\n",
            field);
    }

    [Fact]
    public void The_null_sender_is_reported_by_its_helo_name_and_no_signature_as_dkim_none()
    {
        var spf = new SpfVerdict(SpfResult.None, "client.example.net", string.Empty);

        string field = AuthenticationResultsHeader.Format(Us, spf, string.Empty, "client.example.net", [], null);

        Assert.Equal("Authentication-Results: mail.local.test;\r\n\tspf=none smtp.helo=client.example.net;\r\n\tdkim=none\r\n", field);
    }

    [Theory]
    [InlineData(" mail.local.test; spf=pass", true)]
    [InlineData(" (forged) MAIL.local.test.\r\n\t1; dkim=pass", true)]
    [InlineData("mail.local.test;", true)]
    [InlineData(" mx.example.org; spf=pass smtp.mailfrom=mail.local.test", false)]
    [InlineData(" mail.local.test.evil.example; spf=pass", false)]
    public void Our_own_fields_are_recognised_by_their_authserv_id(string value, bool ours) =>
        Assert.Equal(ours, AuthenticationResultsHeader.NamesServer(value, Us));

    [Fact]
    public async Task Forged_fields_under_our_name_are_cut_and_others_kept()
    {
        string forged = "Authentication-Results: mail.local.test;\r\n\tdmarc=pass header.from=example.org\r\n";
        string foreign = "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org\r\n";
        string mark = "Carrier-Quarantine: nothing\r\n";
        string content = Message("alice@example.org", extraHeader: forged + foreign + mark);

        var verdict = await AuthenticateAsync(Encoding.ASCII.GetBytes(content), new SpfVerdict(SpfResult.None, "example.org", "none"));

        Assert.Equal(2, verdict.Removed.Count);
        Assert.Equal((content.IndexOf(forged, StringComparison.Ordinal), forged.Length), verdict.Removed[0]);
        Assert.Equal((content.IndexOf(mark, StringComparison.Ordinal), mark.Length), verdict.Removed[1]);
        Assert.StartsWith("Authentication-Results: mail.local.test;\r\n\tspf=none", verdict.Header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reject", InboundDisposition.Reject)]
    [InlineData("quarantine", InboundDisposition.Quarantine)]
    [InlineData("none", InboundDisposition.Accept)]
    public async Task Dmarc_failure_meets_the_domains_policy(string policy, InboundDisposition expected)
    {
        _zone.Txt["_dmarc.example.org"] = [$"v=DMARC1; p={policy}"];

        var verdict = await AuthenticateAsync(Encoding.ASCII.GetBytes(Message("ceo@example.org")), new SpfVerdict(SpfResult.Fail, "attacker.example", "-all"));

        Assert.Equal(expected, verdict.Disposition);
        Assert.Equal(DmarcResult.Fail, verdict.Dmarc!.Result);
        Assert.Equal(expected == InboundDisposition.Quarantine, verdict.Header.StartsWith("Carrier-Quarantine: dmarc=fail (p=quarantine) header.from=example.org\r\n", StringComparison.Ordinal));
        Assert.Contains("dmarc=fail (p=" + policy + ") header.from=example.org", verdict.Header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_aligned_signature_passes_dmarc_despite_spf_failing()
    {
        _zone.Txt["_dmarc.example.org"] = ["v=DMARC1; p=reject"];
        byte[] signed = Signed(Message("alice@example.org"), "example.org", "s1");

        var verdict = await AuthenticateAsync(signed, new SpfVerdict(SpfResult.Fail, "example.org", "-all"), new InboundPolicy { SpfFail = FailureAction.Reject });

        Assert.Equal(InboundDisposition.Accept, verdict.Disposition);
        Assert.Equal(DmarcResult.Pass, verdict.Dmarc!.Result);
    }

    [Fact]
    public async Task Policy_decides_spf_failures_and_dns_trouble()
    {
        byte[] content = Encoding.ASCII.GetBytes(Message("alice@example.org"));
        var fail = new SpfVerdict(SpfResult.Fail, "example.org", "-all");
        var temp = new SpfVerdict(SpfResult.TempError, "example.org", "SERVFAIL");

        Assert.Equal(InboundDisposition.Accept, (await AuthenticateAsync(content, fail)).Disposition);
        Assert.Equal(InboundDisposition.Reject, (await AuthenticateAsync(content, fail, new InboundPolicy { SpfFail = FailureAction.Reject })).Disposition);
        Assert.Equal(InboundDisposition.Accept, (await AuthenticateAsync(content, temp)).Disposition);
        Assert.Equal(InboundDisposition.Defer, (await AuthenticateAsync(content, temp, new InboundPolicy { TemporaryError = TemporaryErrorAction.Defer })).Disposition);
    }

    [Fact]
    public async Task A_silent_dns_server_ends_in_temperror_within_the_time_out()
    {
        _zone.Silent.Add("example.org");
        _zone.Silent.Add("_dmarc.example.org");
        var authenticator = new InboundAuthenticator(_zone, _zone, Us, new InboundPolicy { Timeout = TimeSpan.FromMilliseconds(200) }, () => 0);

        var spf = await authenticator.CheckSpfAsync(Client, "alice@example.org", "client.example.net", CancellationToken.None);
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(Message("alice@example.org")));
        var verdict = await authenticator.AuthenticateAsync(Task.FromResult(spf), "alice@example.org", "client.example.net", stream, CancellationToken.None);

        Assert.Equal(SpfResult.TempError, spf.Result);
        Assert.Equal(DmarcResult.TempError, verdict.Dmarc!.Result);
        Assert.Equal(InboundDisposition.Accept, verdict.Disposition);
        Assert.Contains("spf=temperror", verdict.Header, StringComparison.Ordinal);
    }

    private async Task<InboundVerdict> AuthenticateAsync(byte[] content, SpfVerdict spf, InboundPolicy? policy = null)
    {
        var authenticator = new InboundAuthenticator(_zone, _zone, Us, policy ?? new InboundPolicy(), () => 0);
        using var stream = new MemoryStream(content);
        return await authenticator.AuthenticateAsync(Task.FromResult(spf), "alice@example.org", "client.example.net", stream, CancellationToken.None);
    }
}
