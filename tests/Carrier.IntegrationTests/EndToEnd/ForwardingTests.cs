using Carrier.IntegrationTests.Infrastructure;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>Aliases that reach beyond this server: the remote targets get a copy through the SMTP client.</summary>
public sealed class ForwardingTests
{
    private const string Alice = "alice@local.test";

    [Fact]
    public async Task An_alias_with_a_remote_target_delivers_locally_and_forwards_to_the_peer()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);
        (await data.RunAsync("alias", "add", "both@local.test", Alice, "alice@remote.test")).ExpectSuccess();
        using var peer = new AiosmtpdPeer(data.Scratch("peers"));
        await peer.StartAsync();
        using var server = await CarrierServerProcess.StartAsync(data, new Dictionary<string, string> { ["Transport:Routes:remote.test"] = peer.Route });

        string subject = $"forwarded {Guid.NewGuid():N}";
        var (_, results) = await Smtplib.SendAsync(server.SmtpPort, new SmtplibMessage("bob@example.org", ["both@local.test"], System.Text.Encoding.ASCII.GetBytes($"From: <bob@example.org>\r\nSubject: {subject}\r\n\r\ntwo places\r\n")));
        Assert.Equal(250, results.Single().DataCode);

        var local = await data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        Assert.Equal(Alice, local.Header("Delivered-To"));
        await data.WaitForEmptyQueueAsync();
        var forwarded = Assert.Single(peer.Received());
        Assert.Equal(subject, forwarded.Subject);
        Assert.Equal("alice@remote.test", forwarded.Headers["X-RcptTo"]);
        Assert.Equal("two places", forwarded.TextBody?.Trim());
    }
}
