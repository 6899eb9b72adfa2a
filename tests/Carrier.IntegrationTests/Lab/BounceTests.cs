using System.Text;
using Carrier.Store.Queue;
using MimeKit;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// What can never be delivered goes back to the sender as an RFC 3464 report, read here from the sender's
/// mailbox; what may yet be delivered stays queued (ARCHITECTURE.md §4.3).
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class BounceTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_refused_recipient_bounces_with_the_remote_reply_while_the_others_are_delivered()
    {
        await lab.Peers.RefuseAsync(RoutingLab.Mx, "carol@linuxaid.test", "550 5.1.1 <carol@linuxaid.test>: Recipient address rejected: no such user");
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test", "carol@linuxaid.test", "dave@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "partly refused"));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        var dsn = (await LabMail.WaitForBouncesAsync(carrier, 1)).Single();
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(["bob@linuxaid.test", "dave@linuxaid.test"], received.Single().Recipients);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));

        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var failed = Assert.Single(LabMail.RecipientFields(dsn));
        Assert.Equal("rfc822;carol@linuxaid.test", LabMail.Field(failed, "Final-Recipient").Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal("failed", LabMail.Field(failed, "Action"));
        Assert.Equal("5.1.1", LabMail.Field(failed, "Status"));
        Assert.Contains("dns;mx.linuxaid.test", LabMail.Field(failed, "Remote-MTA").Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.StartsWith("smtp;", LabMail.Field(failed, "Diagnostic-Code").Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("no such user", LabMail.Field(failed, "Diagnostic-Code"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nobody@void.linuxaid.test", "5.1.10")]
    [InlineData("nobody@nosuch.linuxaid.test", "5.1.2")]
    [InlineData("nobody@loop.test", "5.4.6")]
    public async Task Mail_that_dns_says_cannot_be_delivered_bounces(string recipient, string status)
    {
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, [recipient], LabMail.Message(RoutingLab.Sender, recipient, "undeliverable"));

        var dsn = (await LabMail.WaitForBouncesAsync(carrier, 1)).Single();
        await carrier.WaitForEmptyQueueAsync();
        var failed = Assert.Single(LabMail.RecipientFields(dsn));
        Assert.Equal($"rfc822;{recipient}", LabMail.Field(failed, "Final-Recipient").Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal("failed", LabMail.Field(failed, "Action"));
        Assert.Equal(status, LabMail.Field(failed, "Status"));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
    }

    [Fact]
    public async Task A_server_failure_in_dns_defers_and_never_bounces()
    {
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["someone@broken.test"], LabMail.Message(RoutingLab.Sender, "someone@broken.test", "servfail"));

        var deferred = await LabMail.WaitForRecipientAsync(carrier, "someone@broken.test", RecipientState.Deferred);
        Assert.Equal("4.4.3", deferred.DsnStatus);
        Assert.Contains("broken.test", deferred.LastReply, StringComparison.Ordinal);
        Assert.True(deferred.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(30), $"next attempt {deferred.NextAttemptAt}");
        Assert.Equal(0, await LabMail.MailboxCountAsync(carrier));
    }

    [Fact]
    public async Task A_message_with_too_many_received_headers_bounces_as_a_loop()
    {
        await using var carrier = await lab.StartCarrierAsync(s => s["Limits:MaxHops"] = "10");
        var content = new StringBuilder();
        for (int hop = 0; hop < 11; hop++)
        {
            content.Append($"Received: from hop{hop}.linuxaid.test by hop{hop + 1}.linuxaid.test; Tue, 1 Dec 2026 10:00:{hop:00} +0000\r\n");
        }

        content.Append(LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "looping"));
        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], content.ToString());

        var dsn = (await LabMail.WaitForBouncesAsync(carrier, 1)).Single();
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal("5.4.6", LabMail.Field(Assert.Single(LabMail.RecipientFields(dsn)), "Status"));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
    }

    [Fact]
    public async Task Mail_needing_smtputf8_bounces_when_no_mx_offers_it()
    {
        // The scripted hosts of linuxaid.test do not announce SMTPUTF8 (RFC 6531 §3.4: 5.6.7 is the answer).
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["josé@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "josé@linuxaid.test", "utf-8"), "SMTPUTF8");

        var dsn = (await LabMail.WaitForBouncesAsync(carrier, 1)).Single();
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal("5.6.7", LabMail.Field(Assert.Single(LabMail.RecipientFields(dsn)), "Status"));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
    }

    [Fact]
    public async Task Mail_still_undeliverable_at_the_end_of_its_lifetime_expires_with_a_report()
    {
        await lab.Peers.SetModeAsync(RoutingLab.Mx, PeerMode.Down);
        await lab.Peers.SetModeAsync(RoutingLab.Mx1, PeerMode.Down);
        await using var carrier = await lab.StartCarrierAsync(s =>
        {
            s["Queue:MinBackoff"] = "00:00:01";
            s["Queue:MaxBackoff"] = "00:00:01";
            s["Queue:MaxLifetime"] = "00:00:03";
        });

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "expiring"));

        var dsn = (await LabMail.WaitForBouncesAsync(carrier, 1, TimeSpan.FromSeconds(30))).Single();
        await carrier.WaitForEmptyQueueAsync();
        var failed = Assert.Single(LabMail.RecipientFields(dsn));
        Assert.Equal("failed", LabMail.Field(failed, "Action"));
        Assert.StartsWith("4.", LabMail.Field(failed, "Status"), StringComparison.Ordinal);
    }
}
