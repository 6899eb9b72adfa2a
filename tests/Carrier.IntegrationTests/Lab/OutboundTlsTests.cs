using Carrier.Store.Queue;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// Outbound TLS policy per destination (<c>Tls:Outbound</c>, after Postfix's smtp_tls_policy_maps) against the
/// lab's aiosmtpd peers offering STARTTLS or not: encrypt never sends in clear, verify needs a certificate a
/// trusted CA signed for the MX name, may takes what it gets.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class OutboundTlsTests(RoutingLab lab) : IAsyncLifetime
{
    private const string Bob = "bob@linuxaid.test";
    private readonly TempDirectory _directory = new("tls-lab");
    private LabCertificates _certificates = null!;

    public async Task InitializeAsync()
    {
        await lab.ResetAsync();
        _certificates = new LabCertificates(_directory.Combine("certs"));
    }

    public Task DisposeAsync()
    {
        _certificates.Dispose();
        _directory.Dispose();
        return Task.CompletedTask;
    }

    private Task<TestCarrier> StartAsync(string policy, string? caFile = null) => lab.StartCarrierAsync(settings =>
    {
        settings["Tls:Outbound:Policies:linuxaid.test"] = policy;
        if (caFile is not null)
        {
            settings["Tls:Outbound:CaFile"] = caFile;
        }
    });

    private async Task OfferAsync(string host, (string Certificate, string Key) files) =>
        await lab.Peers.OfferTlsAsync(host, files.Certificate, files.Key);

    private static Task SendAsync(TestCarrier carrier, string subject) =>
        LabMail.SubmitAsync(carrier, RoutingLab.Sender, [Bob], LabMail.Message(RoutingLab.Sender, Bob, subject));

    [Fact]
    public async Task Encrypt_skips_an_mx_without_starttls_and_delivers_to_the_next_over_tls()
    {
        await OfferAsync(RoutingLab.Mx1, _certificates.SelfSignedFor(RoutingLab.Mx1));
        await using var carrier = await StartAsync("encrypt");

        await SendAsync(carrier, "encrypt falls to mx1");

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx1, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.True(received.Single().OverTls);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("TLS is required, but was not offered by host mx.linuxaid.test[", StringComparison.Ordinal));
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("Untrusted TLS connection established to mx1.linuxaid.test[", StringComparison.Ordinal) && l.Contains("with cipher", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Encrypt_defers_when_no_mx_offers_starttls_and_sends_nothing_in_clear()
    {
        await using var carrier = await StartAsync("encrypt");

        await SendAsync(carrier, "encrypt with no tls anywhere");

        var deferred = await LabMail.WaitForRecipientAsync(carrier, Bob, RecipientState.Deferred);
        Assert.Equal("4.7.4", deferred.DsnStatus);
        Assert.Contains("TLS is required, but was not offered", deferred.LastReply, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("TLS policy refused mx.linuxaid.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_defers_when_the_certificates_are_self_signed()
    {
        await OfferAsync(RoutingLab.Mx, _certificates.SelfSignedFor(RoutingLab.Mx));
        await OfferAsync(RoutingLab.Mx1, _certificates.SelfSignedFor(RoutingLab.Mx1));
        await using var carrier = await StartAsync("verify", _certificates.CaFile);

        await SendAsync(carrier, "verify against self-signed");

        var deferred = await LabMail.WaitForRecipientAsync(carrier, Bob, RecipientState.Deferred);
        Assert.Equal("4.7.5", deferred.DsnStatus);
        Assert.Contains("server certificate not verified", deferred.LastReply, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
    }

    [Fact]
    public async Task Verify_delivers_when_the_configured_ca_signed_the_certificate_for_the_mx_name()
    {
        await OfferAsync(RoutingLab.Mx, _certificates.SignedFor(RoutingLab.Mx));
        await using var carrier = await StartAsync("verify", _certificates.CaFile);

        await SendAsync(carrier, "verify against the lab ca");

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.True(received.Single().OverTls);
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("Verified TLS connection established to mx.linuxaid.test[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_refuses_a_ca_signed_certificate_for_another_name_and_takes_the_next_mx()
    {
        await OfferAsync(RoutingLab.Mx, _certificates.SignedFor("someone-else.linuxaid.test"));
        await OfferAsync(RoutingLab.Mx1, _certificates.SignedFor(RoutingLab.Mx1));
        await using var carrier = await StartAsync("verify", _certificates.CaFile);

        await SendAsync(carrier, "verify checks the name");

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx1, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.True(received.Single().OverTls);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("is not valid for mx.linuxaid.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task May_delivers_over_unverified_tls()
    {
        await OfferAsync(RoutingLab.Mx, _certificates.SelfSignedFor(RoutingLab.Mx));
        await using var carrier = await StartAsync("may");

        await SendAsync(carrier, "may with tls");

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.True(received.Single().OverTls);
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("Untrusted TLS connection established to mx.linuxaid.test[", StringComparison.Ordinal) && l.Contains("policy may", StringComparison.Ordinal));
    }

    [Fact]
    public async Task May_delivers_in_clear_when_tls_is_not_offered()
    {
        await using var carrier = await StartAsync("may");

        await SendAsync(carrier, "may in clear");

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.False(received.Single().OverTls);
        Assert.DoesNotContain(carrier.Logs.Lines, l => l.Contains("TLS connection established", StringComparison.Ordinal));
    }
}
