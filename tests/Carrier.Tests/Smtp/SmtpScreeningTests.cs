using System.Text;
using Carrier.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Smtp;

/// <summary>
/// Greylisting on port 25 over loopback, with the server's clock moved by hand instead of waiting. Loopback is
/// untrusted here except 127.0.0.7; 127.0.0.0/24 is one network to the greylist.
/// </summary>
public sealed class SmtpScreeningTests : IAsyncLifetime
{
    private const string Password = "password-of-test-user";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync(
            s =>
            {
                s["Relay:TrustedNetworks:0"] = "127.0.0.7/32";
                s["Smtp:Auth"] = "true";
                s["Smtp:Greylisting:Enabled"] = "true";
                s["Smtp:Greylisting:Delay"] = "00:05:00";
            },
            time: _time);
        await _carrier.AddUserAsync("alice@local.test");
        await _carrier.AddUserAsync("bob@local.test");
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    [Fact]
    public async Task A_new_triplet_gets_450_until_the_delay_has_passed_and_is_then_accepted_and_delivered()
    {
        await using (var first = await GreetedAsync("127.0.0.5"))
        {
            Assert.StartsWith("250", await first.CommandAsync("MAIL FROM:<sender@example.org>"), StringComparison.Ordinal);
            Assert.Equal("450 4.7.1 Recipient address rejected: Greylisted, try again in 300 seconds", await first.CommandAsync("RCPT TO:<alice@local.test>"));

            // Refusals that do not depend on time come first: unknown users and other domains are not greylisted.
            Assert.StartsWith("550 5.1.1", await first.CommandAsync("RCPT TO:<nobody@local.test>"), StringComparison.Ordinal);
            Assert.StartsWith("550 5.7.1", await first.CommandAsync("RCPT TO:<user@other.example>"), StringComparison.Ordinal);
            _time.Advance(TimeSpan.FromMinutes(4));
            Assert.Equal("450 4.7.1 Recipient address rejected: Greylisted, try again in 60 seconds", await first.CommandAsync("RCPT TO:<alice@local.test>"));
            Assert.StartsWith("554 5.5.1", await first.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("221", await first.CommandAsync("QUIT"), StringComparison.Ordinal);
        }

        Assert.Contains(_carrier.Logs.Lines, l => l.Contains("NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 450 4.7.1 Recipient address rejected: Greylisted", StringComparison.Ordinal)
            && l.Contains("from=<sender@example.org> to=<alice@local.test>", StringComparison.Ordinal));

        // The retry comes from another address of the same /24, as pools of large senders do.
        _time.Advance(TimeSpan.FromMinutes(1));
        await using (var retry = await GreetedAsync("127.0.0.9"))
        {
            Assert.StartsWith("250", await retry.CommandAsync("MAIL FROM:<sender@example.org>"), StringComparison.Ordinal);
            Assert.Equal("250 2.1.5 Ok", await retry.CommandAsync("RCPT TO:<alice@local.test>"));
            Assert.StartsWith("450 4.7.1", await retry.CommandAsync("RCPT TO:<bob@local.test>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await retry.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0 Ok: queued as", await retry.CommandAsync("Subject: greylisted\r\n\r\nbody\r\n."), StringComparison.Ordinal);
        }

        var messages = await _carrier.WaitForMessagesAsync("alice@local.test", 1);
        Assert.Contains("Subject: greylisted", Encoding.UTF8.GetString(await _carrier.ReadMessageAsync("alice@local.test", messages[0].Uid)), StringComparison.Ordinal);

        // Once passed, the triplet is accepted at once.
        await using var later = await GreetedAsync("127.0.0.5");
        Assert.StartsWith("250", await later.CommandAsync("MAIL FROM:<sender@example.org>"), StringComparison.Ordinal);
        Assert.Equal("250 2.1.5 Ok", await later.CommandAsync("RCPT TO:<alice@local.test>"));
    }

    [Fact]
    public async Task Greylisting_does_not_count_toward_the_error_limit()
    {
        await using var wire = await GreetedAsync("127.0.0.5");
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<list@example.org>"), StringComparison.Ordinal);
        for (int i = 0; i < 25; i++)
        {
            Assert.StartsWith("450 4.7.1", await wire.CommandAsync("RCPT TO:<alice@local.test>"), StringComparison.Ordinal);
        }

        Assert.StartsWith("250", await wire.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_that_keeps_collecting_450s_is_closed_after_a_messages_worth_of_recipients()
    {
        await using var looping = await GreetedAsync("127.0.0.6");
        Assert.StartsWith("250", await looping.CommandAsync("MAIL FROM:<looper@example.org>"), StringComparison.Ordinal);
        const int limit = 1000; // Limits:RecipientsPerMessage's default
        await looping.SendAsync(string.Concat(Enumerable.Repeat("RCPT TO:<alice@local.test>\r\n", limit + 1)));
        for (int i = 0; i < limit + 1; i++)
        {
            Assert.StartsWith("450 4.7.1", await looping.ReadReplyAsync(), StringComparison.Ordinal);
        }

        Assert.StartsWith("421", await looping.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.True(await looping.IsClosedAsync());
    }

    [Fact]
    public async Task Trusted_and_authenticated_clients_are_not_greylisted()
    {
        await using (var trusted = await GreetedAsync("127.0.0.7"))
        {
            Assert.StartsWith("250", await trusted.CommandAsync("MAIL FROM:<sender@example.org>"), StringComparison.Ordinal);
            Assert.Equal("250 2.1.5 Ok", await trusted.CommandAsync("RCPT TO:<alice@local.test>"));
        }

        await using var authenticated = await GreetedAsync("127.0.0.5");
        string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0bob@local.test\0{Password}"));
        Assert.StartsWith("235 2.7.0", await authenticated.CommandAsync("AUTH PLAIN " + plain), StringComparison.Ordinal);
        Assert.StartsWith("250", await authenticated.CommandAsync("MAIL FROM:<bob@local.test>"), StringComparison.Ordinal);
        Assert.Equal("250 2.1.5 Ok", await authenticated.CommandAsync("RCPT TO:<alice@local.test>"));
    }

    private async Task<SmtpWire> GreetedAsync(string source)
    {
        var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort, source: source);
        Assert.StartsWith("250", await wire.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
        return wire;
    }
}
