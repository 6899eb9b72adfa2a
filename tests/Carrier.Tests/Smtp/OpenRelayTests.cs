using System.Text.RegularExpressions;
using Carrier.Testing;

namespace Carrier.Tests.Smtp;

/// <summary>
/// ARCHITECTURE.md §4.4, no open relay: the classic tricks for borrowing a server as a relay, each from an
/// untrusted, unauthenticated client over a real socket. Each must be refused, or accepted only for a local
/// mailbox; afterwards nothing may be queued for, or delivered to, another host.
/// </summary>
public sealed partial class OpenRelayTests : IAsyncLifetime
{
    // What the recipient is, and the reply it must get ("250" means accepted for local delivery).
    private static readonly (string Rcpt, string Expected)[] Tricks =
    [
        ("<user@other.example>", "550 5.7.1"),
        ("<user%other.example@local.test>", "550 5.7.1"),
        ("<user%local.test@other.example>", "550 5.7.1"),
        ("<alice%other.example@local.test>", "550 5.7.1"),
        ("<\"user%other.example\"@local.test>", "550 5.7.1"),
        ("<other.example!user@local.test>", "550 5.7.1"),
        ("<\"other.example!user\"@local.test>", "550 5.7.1"),
        ("<\"user@other.example\"@local.test>", "550 5.1.1"),
        ("<\"user@other.example\">", "501 5.1.3"),
        ("<user@other.example@local.test>", "501 5.1.3"),
        ("<user@local.test@other.example>", "501 5.1.3"),
        ("<@local.test:user@other.example>", "550 5.7.1"),
        ("<@local.test,@mail.local.test:user@other.example>", "550 5.7.1"),
        ("<@other.example:alice@local.test>", "250"),
        ("<user@[198.18.0.5]>", "550 5.7.1"),
        ("<user@[127.0.0.1]>", "550 5.7.1"),
        ("<alice@[127.0.0.1]>", "550 5.7.1"),
        ("<postmaster@[127.0.0.1]>", "550 5.7.1"),
        ("<user@[IPv6:::1]>", "550 5.7.1"),
        ("<alice@local.test.>", "501 5.1.3"),
        ("<user@other.example.>", "501 5.1.3"),
        ("<alice@LOCAL.TEST>", "250"),
        ("<\"alice\"@Local.Test>", "250"),
        ("<user@OTHER.EXAMPLE>", "550 5.7.1"),
        ("<user@other.example >", "501 5.1.3"),
        ("< user@other.example>", "501 5.1.3"),
        ("user@other.example", "550 5.7.1"),
        ("<user@sub.local.test>", "550 5.7.1"),
        ("<user@local.test.other.example>", "550 5.7.1"),
        ("<user@localhost>", "550 5.7.1"),
        ("<alice@local.test%other.example>", "501 5.1.3"),
        ("<alice@local.test> ORCPT=rfc822;user@other.example", "250"),
        ("<\"user\\@other.example\"@local.test>", "550 5.1.1"),

        // backup.test is a relay domain (this server is its backup MX): only that exact domain is relayed.
        ("<user@evilbackup.test>", "550 5.7.1"),
        ("<user@sub.backup.test>", "550 5.7.1"),
        ("<user@backup.test.other.example>", "550 5.7.1"),
        ("<user%other.example@backup.test>", "550 5.7.1"),
    ];

    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        // Loopback is not trusted here, so the client is a stranger.
        _carrier = await TestCarrier.StartAsync(s =>
        {
            s["Relay:TrustedNetworks:0"] = "192.0.2.0/24";
            s["Domains:Relay:0"] = "backup.test";
            s["Limits:ErrorsPerSession"] = "100";
        });
        await _carrier.AddUserAsync("alice@local.test");
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    [Fact]
    public async Task Every_relay_trick_is_refused_or_delivered_locally_and_nothing_goes_to_another_host()
    {
        var mismatches = new List<string>();
        int accepted = 0;
        foreach (var sender in new[] { "<bob@example.org>", "<alice@local.test>", "<>" })
        {
            foreach (var (rcpt, expected) in Tricks)
            {
                await using var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort);
                Assert.StartsWith("250", await wire.CommandAsync("EHLO client.example"), StringComparison.Ordinal);
                Assert.StartsWith("250", await wire.CommandAsync($"MAIL FROM:{sender}"), StringComparison.Ordinal);
                string reply = await wire.CommandAsync($"RCPT TO:{rcpt}");
                if (!reply.StartsWith(expected, StringComparison.Ordinal))
                {
                    mismatches.Add($"MAIL FROM:{sender} RCPT TO:{rcpt} got '{reply}', expected {expected}");
                }

                if (reply.StartsWith("250", StringComparison.Ordinal))
                {
                    Assert.StartsWith("354", await wire.CommandAsync("DATA"), StringComparison.Ordinal);
                    Assert.StartsWith("250 2.0.0", await wire.CommandAsync($"Subject: {rcpt}\r\n\r\nrelay test\r\n."), StringComparison.Ordinal);
                    accepted++;
                }

                Assert.StartsWith("221", await wire.CommandAsync("QUIT"), StringComparison.Ordinal);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));

        // Everything accepted reached alice's mailbox; the queue is empty; no delivery went anywhere but local.
        var messages = await _carrier.WaitForMessagesAsync("alice@local.test", accepted);
        Assert.Equal(accepted, messages.Count);
        await _carrier.WaitForEmptyQueueAsync();
        var deliveries = _carrier.Logs.Lines.Select(l => DeliveryLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(accepted, deliveries.Count);
        Assert.All(deliveries, d =>
        {
            Assert.Equal("alice@local.test", d.Groups["to"].Value);
            Assert.Equal("local", d.Groups["relay"].Value);
        });
    }

    [GeneratedRegex(@": to=<(?<to>[^>]*)>, relay=(?<relay>[^,]+),")]
    private static partial Regex DeliveryLine();
}
