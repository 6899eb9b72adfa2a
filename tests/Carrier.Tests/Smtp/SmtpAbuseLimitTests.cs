using Carrier.Testing;

namespace Carrier.Tests.Smtp;

/// <summary>
/// Port 25's limits on a client, over loopback: connections per minute, messages per session, and errors
/// (unknown recipients among them) per session. Each test connects from its own 127.x address, which the
/// server sees as its own client; loopback is not trusted here except 127.0.0.7.
/// </summary>
public sealed class SmtpAbuseLimitTests : IAsyncLifetime
{
    private const string Trusted = "127.0.0.7";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync(s =>
        {
            s["Relay:TrustedNetworks:0"] = Trusted + "/32";
            s["Limits:ConnectionRatePerIp"] = "3";
            s["Limits:MessagesPerSession"] = "2";
            s["Limits:ErrorsPerSession"] = "3";
        });
        await _carrier.AddUserAsync("alice@local.test");
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    [Fact]
    public async Task Connections_past_the_rate_get_421_naming_the_address_and_are_closed_while_others_connect()
    {
        var open = new List<SmtpWire>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                open.Add(await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: "127.0.0.5"));
            }

            // Closing does not give an attempt back: the rate counts connections made, not connections open.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await using (var fourth = await SmtpWire.ConnectAsync(_carrier.SmtpPort, readGreeting: false, source: "127.0.0.5"))
            {
                Assert.Equal("421 4.7.0 mail.local.test Error: too many connections from 127.0.0.5, try again later", await fourth.ReadReplyAsync());
                Assert.True(await fourth.IsClosedAsync());
            }

            Assert.Contains(_carrier.Logs.Lines, l => l.Contains("Connection rate limit exceeded: 4 from unknown[127.0.0.5] in 60 seconds for service smtpd", StringComparison.Ordinal));

            // The sessions already open go on; another client, and the same client on the submission port, are served.
            Assert.StartsWith("250 ", await open[0].CommandAsync("NOOP"), StringComparison.Ordinal);
            await using var other = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: "127.0.0.6");
            Assert.StartsWith("250", await other.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
            await using var submission = await SmtpWire.ConnectAsync(_carrier.SubmissionPort, source: "127.0.0.5");
            Assert.StartsWith("250", await submission.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var wire in open)
            {
                await wire.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Trusted_networks_are_not_rate_limited()
    {
        for (int i = 0; i < 6; i++)
        {
            await using var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: Trusted);
            Assert.StartsWith("250 ", await wire.CommandAsync("NOOP"), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(_carrier.Logs.Lines, l => l.Contains($"rate limit exceeded: 4 from unknown[{Trusted}]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_the_messages_of_one_session_MAIL_gets_421_and_the_client_reconnects_to_send_more()
    {
        await using (var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: "127.0.0.10"))
        {
            Assert.StartsWith("250", await wire.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
            for (int i = 1; i <= 2; i++)
            {
                await SendAsync(wire, $"message {i}");
            }

            Assert.Equal("421 4.7.0 Error: too many messages in one session, reconnect", await wire.CommandAsync("MAIL FROM:<bob@example.org>"));
            Assert.True(await wire.IsClosedAsync());
        }

        Assert.Contains(_carrier.Logs.Lines, l => l.Contains("too many messages (2) in one session from unknown[127.0.0.10], closing", StringComparison.Ordinal));
        await using (var again = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: "127.0.0.10"))
        {
            Assert.StartsWith("250", await again.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
            await SendAsync(again, "message 3");
        }

        var messages = await _carrier.WaitForMessagesAsync("alice@local.test", 3);
        Assert.Equal(3, messages.Count);
    }

    [Fact]
    public async Task Unknown_recipients_count_as_errors_and_the_last_one_allowed_is_followed_by_421_and_the_close()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: "127.0.0.11");
        Assert.StartsWith("250", await wire.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<probe@example.org>"), StringComparison.Ordinal);
        Assert.Equal("550 5.1.1 Recipient address rejected: user unknown", await wire.CommandAsync("RCPT TO:<aaron@local.test>"));
        Assert.Equal("550 5.1.1 Recipient address rejected: user unknown", await wire.CommandAsync("RCPT TO:<abby@local.test>"));
        Assert.Equal("550 5.1.1 Recipient address rejected: user unknown", await wire.CommandAsync("RCPT TO:<adam@local.test>"));
        Assert.Equal("421 4.7.0 Error: too many errors", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedAsync());

        var lines = _carrier.Logs.Lines;
        Assert.Equal(3, lines.Count(l => l.Contains("NOQUEUE: reject: RCPT from unknown[127.0.0.11]: 550 5.1.1", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("too many errors (3) from unknown[127.0.0.11], closing", StringComparison.Ordinal));
    }

    private static async Task SendAsync(SmtpWire wire, string subject)
    {
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<alice@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await wire.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await wire.CommandAsync($"Subject: {subject}\r\n\r\nbody\r\n."), StringComparison.Ordinal);
    }
}
