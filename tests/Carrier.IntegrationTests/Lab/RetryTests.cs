using Carrier.Store.Queue;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// All MX hosts down: the mail waits in the queue with the last error, and goes out once a host is back,
/// whether an administrator flushes the queue or the scheduled retry comes.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class RetryTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Mail_for_a_domain_whose_hosts_are_all_down_waits_and_goes_out_after_a_flush()
    {
        await lab.Peers.SetModeAsync(RoutingLab.Mx, PeerMode.Down);
        await lab.Peers.SetModeAsync(RoutingLab.Mx1, PeerMode.Greet421);
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "after flush"));

        var deferred = await LabMail.WaitForRecipientAsync(carrier, "bob@linuxaid.test", RecipientState.Deferred);
        Assert.StartsWith("4.", deferred.DsnStatus, StringComparison.Ordinal);
        Assert.Contains("421", deferred.LastReply, StringComparison.Ordinal);
        Assert.Contains(RoutingLab.Mx1, deferred.Relay, StringComparison.Ordinal);
        Assert.True(deferred.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(30), $"next attempt {deferred.NextAttemptAt}");

        await lab.Peers.SetModeAsync(RoutingLab.Mx1, PeerMode.Accept);
        Assert.Equal(1, await carrier.Server.Store.Queue.FlushAsync(null, DateTimeOffset.UtcNow, CancellationToken.None));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx1, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Contains("Subject: after flush", received.Single().Text, StringComparison.Ordinal);
        Assert.Equal(0, await LabMail.MailboxCountAsync(carrier));
    }

    [Fact]
    public async Task Mail_for_a_domain_whose_hosts_are_all_down_goes_out_at_a_scheduled_retry()
    {
        await lab.Peers.SetModeAsync(RoutingLab.Mx, PeerMode.Down);
        await lab.Peers.SetModeAsync(RoutingLab.Mx1, PeerMode.Down);
        await using var carrier = await lab.StartCarrierAsync(s =>
        {
            s["Queue:MinBackoff"] = "00:00:01";
            s["Queue:MaxBackoff"] = "00:00:02";
        });

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "after retry"));

        var deferred = await LabMail.WaitForRecipientAsync(carrier, "bob@linuxaid.test", RecipientState.Deferred);
        Assert.Equal("4.4.1", deferred.DsnStatus);

        await lab.Peers.SetModeAsync(RoutingLab.Mx, PeerMode.Accept);

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Contains("Subject: after retry", received.Single().Text, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
    }
}
