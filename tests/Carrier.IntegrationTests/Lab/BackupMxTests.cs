using Carrier.Store.Queue;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// Carrier as the backup MX of backup.test (MX 20 beside the primary's 10): it takes the domain's mail from
/// anyone, keeps it while the primary is down, and hands it to the primary — and only the primary — when it
/// is back. A stranger still cannot relay anywhere else.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class BackupMxTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Mail_for_the_relay_domain_is_kept_while_the_primary_is_down_and_forwarded_when_it_is_back()
    {
        await lab.Peers.SetModeAsync(RoutingLab.BackupPrimary, PeerMode.Down);
        await using var carrier = await lab.StartCarrierAsync(s => s["Domains:Relay:0"] = "backup.test");
        var labListener = carrier.Server.SmtpEndpoints.Single(e => e.Address.Equals(lab.Network.Host));

        // A client inside the lab, in no trusted network, as a stranger on the Internet would be.
        string server = $"{labListener.Address}:{labListener.Port}";
        var accepted = await lab.Network.RunInsideAsync("swaks", ["--server", server, "--from", "friend@pf.test", "--to", "carol@backup.test", "--header", "Subject: kept for the primary", "--helo", "client.pf.test"]);
        Assert.Contains("250 2.0.0", accepted.Output, StringComparison.Ordinal);
        var refused = await lab.Network.RunInsideAsync("swaks", ["--server", server, "--from", "friend@pf.test", "--to", "bob@linuxaid.test", "--helo", "client.pf.test"], allowFailure: true);
        Assert.Contains("550 5.7.1", refused.Output, StringComparison.Ordinal);

        var deferred = await LabMail.WaitForRecipientAsync(carrier, "carol@backup.test", RecipientState.Deferred);
        Assert.Contains(RoutingLab.BackupPrimary, deferred.Relay, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.BackupPrimary));

        await lab.Peers.SetModeAsync(RoutingLab.BackupPrimary, PeerMode.Accept);
        await carrier.Server.Store.Queue.FlushAsync(null, DateTimeOffset.UtcNow, CancellationToken.None);

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.BackupPrimary, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(["carol@backup.test"], received.Single().Recipients);
        Assert.Contains("Subject: kept for the primary", received.Single().Text, StringComparison.Ordinal);
        Assert.Single(await lab.Peers.MessagesAsync(RoutingLab.BackupPrimary));
        foreach (string other in new[] { RoutingLab.Mx, RoutingLab.Mx1, RoutingLab.Www })
        {
            Assert.Empty(await lab.Peers.MessagesAsync(other));
        }

        // Nothing was delivered here either: the relay domain has no mailboxes on this server.
        Assert.Equal(0, await LabMail.MailboxCountAsync(carrier));
    }
}
