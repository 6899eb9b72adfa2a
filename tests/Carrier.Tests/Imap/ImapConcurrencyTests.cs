using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>Two sessions on one mailbox, and a session that idles while mail arrives by SMTP.</summary>
public sealed class ImapConcurrencyTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapConcurrencyTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task A_second_session_sees_flags_expunges_and_new_mail_at_NOOP()
    {
        string user = await _server.NewUserAsync();
        await using var first = await ImapWire.LoginAsync(_server.Port, user);
        await using var second = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("one"));
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("two"));
        await first.CommandAsync("s", "SELECT INBOX");
        await second.CommandAsync("s", "SELECT INBOX");

        await first.CommandAsync("a1", "STORE 1 +FLAGS.SILENT (\\Flagged)");
        Assert.Equal("* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\nb1 OK NOOP completed", await second.CommandAsync("b1", "NOOP"));

        await first.CommandAsync("a2", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await first.CommandAsync("a3", "EXPUNGE");
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("three"));

        // FETCH by sequence number must not shift numbers under the client: no EXPUNGE yet, but the new message.
        string fetch = await second.CommandAsync("b2", "FETCH 1:2 UID");
        Assert.DoesNotContain("EXPUNGE", fetch, StringComparison.Ordinal);
        Assert.Contains("* 3 EXISTS", fetch, StringComparison.Ordinal);
        Assert.Contains("* 1 FETCH (UID 1)", fetch, StringComparison.Ordinal);

        string noop = await second.CommandAsync("b3", "NOOP");
        Assert.Contains("* 1 EXPUNGE", noop, StringComparison.Ordinal);
        Assert.Equal("* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\nb4 OK FETCH completed", await second.CommandAsync("b4", "FETCH 1:* UID"));
    }

    [Fact]
    public async Task QRESYNC_reports_vanished_messages_as_VANISHED()
    {
        string user = await _server.NewUserAsync();
        await using var first = await ImapWire.LoginAsync(_server.Port, user);
        await using var second = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("one"));
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("two"));
        await second.CommandAsync("e", "ENABLE QRESYNC");
        string select = await second.CommandAsync("s", "SELECT INBOX");
        string modseq = System.Text.RegularExpressions.Regex.Match(select, @"HIGHESTMODSEQ (\d+)").Groups[1].Value;
        string validity = System.Text.RegularExpressions.Regex.Match(select, @"UIDVALIDITY (\d+)").Groups[1].Value;

        await first.CommandAsync("s", "SELECT INBOX");
        await first.CommandAsync("a1", "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        await first.CommandAsync("a2", "EXPUNGE");
        Assert.StartsWith("* VANISHED 2\r\n", await second.CommandAsync("b1", "NOOP"), StringComparison.Ordinal);

        await using var third = await ImapWire.LoginAsync(_server.Port, user);
        await third.CommandAsync("e", "ENABLE QRESYNC");
        string resync = await third.CommandAsync("s", $"SELECT INBOX (QRESYNC ({validity} {modseq}))");
        Assert.Contains("* VANISHED (EARLIER) 2", resync, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CONDSTORE_fetches_changes_since_a_MODSEQ_and_refuses_a_stale_conditional_store()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("one"));
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("two"));
        string select = await wire.CommandAsync("s", "SELECT INBOX (CONDSTORE)");
        ulong highest = ulong.Parse(System.Text.RegularExpressions.Regex.Match(select, @"HIGHESTMODSEQ (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        string store = await wire.CommandAsync("a1", "STORE 2 +FLAGS (\\Flagged)");
        ulong changed = ulong.Parse(System.Text.RegularExpressions.Regex.Match(store, @"MODSEQ \((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(changed > highest);
        Assert.Equal($"* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ ({changed}))\r\na2 OK UID FETCH completed", await wire.CommandAsync("a2", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})"));
        Assert.Equal("a3 OK [MODIFIED 2] Conditional STORE failed for some messages", await wire.CommandAsync("a3", $"STORE 2 (UNCHANGEDSINCE {highest}) +FLAGS.SILENT (\\Seen)"));
        Assert.Equal("* ESEARCH (TAG \"a4\") UID ALL 2 MODSEQ " + changed + "\r\na4 OK UID SEARCH completed", await wire.CommandAsync("a4", $"UID SEARCH RETURN (ALL) MODSEQ {changed}"));
    }

    [Fact]
    public async Task IDLE_reports_a_message_delivered_by_SMTP_while_idling()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.LoginAsync(_server.Port, user);
        await wire.CommandAsync("s", "SELECT INBOX");
        await wire.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await wire.ReadLineAsync());

        await using (var smtp = await SmtpWire.ConnectAsync(_server.Carrier.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example");
            await smtp.CommandAsync("MAIL FROM:<alice@example.org>");
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{user}>"), StringComparison.Ordinal);
            await smtp.CommandAsync("DATA");
            Assert.StartsWith("250", await smtp.CommandAsync("Subject: while idling\r\n\r\nHello.\r\n."), StringComparison.Ordinal);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal("* 1 EXISTS", await wire.ReadLineAsync(wait.Token));
        Assert.Equal("* 1 RECENT", await wire.ReadLineAsync(wait.Token));
        await wire.SendAsync("DONE\r\n");
        Assert.Equal("i OK IDLE terminated", await wire.ReadTaggedAsync("i"));
        Assert.Contains("Subject: while idling", await wire.CommandAsync("f", "FETCH 1 BODY.PEEK[]"), StringComparison.Ordinal);
    }
}
