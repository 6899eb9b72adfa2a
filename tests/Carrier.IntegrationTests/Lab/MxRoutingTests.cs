namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// MX order and fallback against real DNS and real peers (RFC 5321 §5.1): the best host first, the next one
/// when it refuses, fails or stays silent, load shared between equals, a subdomain's own MX, implicit MX.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class MxRoutingTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Mail_goes_to_the_best_mx_when_it_is_up()
    {
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", "best mx"));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(["bob@linuxaid.test"], received.Single().Recipients);
        Assert.Equal(RoutingLab.Sender, received.Single().From);
        Assert.Contains("Subject: best mx", received.Single().Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHello from the lab.\r\n", received.Single().Text, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx1));
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("to=<bob@linuxaid.test>, relay=mx.linuxaid.test[", StringComparison.Ordinal) && l.Contains("status=sent", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(PeerMode.Down)]
    [InlineData(PeerMode.Greet554)]
    [InlineData(PeerMode.Greet421)]
    [InlineData(PeerMode.Silent)]
    public async Task Mail_goes_to_the_second_mx_when_the_best_one_fails(PeerMode failure)
    {
        await lab.Peers.SetModeAsync(RoutingLab.Mx, failure);
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@linuxaid.test"], LabMail.Message(RoutingLab.Sender, "bob@linuxaid.test", $"fallback after {failure}"));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx1, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Contains($"Subject: fallback after {failure}", received.Single().Text, StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
        Assert.Equal(0, await LabMail.MailboxCountAsync(carrier));
    }

    [Fact]
    public async Task Hosts_of_equal_preference_share_the_load()
    {
        const int messages = 20;
        await using var carrier = await lab.StartCarrierAsync();

        for (int i = 0; i < messages; i++)
        {
            await LabMail.SubmitAsync(carrier, RoutingLab.Sender, [$"user{i}@share.test"], LabMail.Message(RoutingLab.Sender, $"user{i}@share.test", $"share {i}"));
        }

        await carrier.WaitForEmptyQueueAsync(TimeSpan.FromSeconds(30));
        var a = await lab.Peers.MessagesAsync(RoutingLab.ShareA);
        var b = await lab.Peers.MessagesAsync(RoutingLab.ShareB);
        Assert.Equal(messages, a.Count + b.Count);
        // Each message picks its order at random: all twenty on one host has a chance of 2 in 2^20.
        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
    }

    [Fact]
    public async Task A_subdomain_with_its_own_mx_goes_to_that_host()
    {
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["lead@sales.linuxaid.test"], LabMail.Message(RoutingLab.Sender, "lead@sales.linuxaid.test", "to sales"));

        await carrier.WaitForEmptyQueueAsync();
        var dumped = await lab.SalesSink.WaitForTransactionsAsync(1);
        Assert.Contains("lead@sales.linuxaid.test", dumped.Single(), StringComparison.Ordinal);
        Assert.Contains("Subject: to sales", dumped.Single(), StringComparison.Ordinal);
        Assert.Contains("\n\nHello from the lab.\n", dumped.Single(), StringComparison.Ordinal);
        Assert.Empty(await lab.Peers.MessagesAsync(RoutingLab.Mx));
    }

    [Fact]
    public async Task A_domain_without_mx_gets_mail_at_its_own_address()
    {
        await using var carrier = await lab.StartCarrierAsync();

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["test@www.linuxaid.test"], LabMail.Message(RoutingLab.Sender, "test@www.linuxaid.test", "implicit mx"));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.Www, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(["test@www.linuxaid.test"], received.Single().Recipients);
    }

    [Fact]
    public async Task A_transport_override_sends_to_its_host_and_port_without_asking_dns()
    {
        // elsewhere.test is in no zone of the lab: an MX lookup would fail, the override needs none.
        await using var carrier = await lab.StartCarrierAsync(s => s["Transport:Routes:elsewhere.test"] = $"[{lab.OverrideEndpoint.Address}]:{lab.OverrideEndpoint.Port}");

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["someone@elsewhere.test"], LabMail.Message(RoutingLab.Sender, "someone@elsewhere.test", "override"));

        var received = await lab.Peers.WaitForMessagesAsync(RoutingLab.OverrideHost, 1);
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(["someone@elsewhere.test"], received.Single().Recipients);
        Assert.Contains(carrier.Logs.Lines, l => l.Contains($"relay=override.lab.test[{lab.OverrideEndpoint.Address}]:{lab.OverrideEndpoint.Port}", StringComparison.Ordinal) || l.Contains($"[{lab.OverrideEndpoint.Address}]:{lab.OverrideEndpoint.Port}", StringComparison.Ordinal));
    }
}
