using Carrier.IntegrationTests.Infrastructure;
using Carrier.Testing;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>SIGTERM, as a service manager stops Carrier: open sessions are told 421, a message in transfer is finished, the process exits 0.</summary>
public sealed class ShutdownTests
{
    private const string Alice = "alice@local.test";

    [Fact]
    public async Task SIGTERM_answers_an_idle_session_421_and_exits_0()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        using var server = await CarrierServerProcess.StartAsync(data);
        await using var smtp = await SmtpWire.ConnectAsync(server.SmtpPort, readGreeting: false);
        Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);

        var stopping = server.StopAsync(TimeSpan.FromSeconds(60));
        string goodbye = await smtp.ReadReplyAsync();
        Assert.StartsWith("421 4.3.2", goodbye, StringComparison.Ordinal);
        Assert.Contains("shutting down", goodbye, StringComparison.OrdinalIgnoreCase);
        Assert.True(await smtp.IsClosedAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, await stopping);
        Assert.Contains("Carrier stopped", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_during_DATA_lets_the_message_finish_then_closes_and_it_is_delivered_after_restart()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);

        // A grace period long enough for the test to finish its message even on a busy machine.
        var server = await CarrierServerProcess.StartAsync(data, new Dictionary<string, string> { ["Timeouts:ShutdownGrace"] = "00:00:30" });
        try
        {
            string subject = $"in transfer at shutdown {Guid.NewGuid():N}";
            await using var smtp = await SmtpWire.ConnectAsync(server.SmtpPort, readGreeting: false);
            Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
            await smtp.SendAsync($"Subject: {subject}\r\n\r\nfirst half\r\n");

            var stopping = server.StopAsync(TimeSpan.FromSeconds(60));
            await server.WaitForLogAsync(l => l.Contains("Carrier stopping", StringComparison.Ordinal), "the start of the shutdown");
            await smtp.SendAsync("second half\r\n.\r\n");
            string queued = await smtp.ReadReplyAsync();
            Assert.StartsWith("250 2.0.0 Ok: queued as", queued, StringComparison.Ordinal);
            Assert.StartsWith("421", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await stopping);

            var restarted = await server.RestartAsync();
            server.Dispose();
            server = restarted;
            var message = await data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
            Assert.Equal("first half\nsecond half\n", message.Text);
        }
        finally
        {
            server.Dispose();
        }
    }
}
