using Carrier.Store.Mailboxes;
using Carrier.Testing;

namespace Carrier.Tests.Pop3;

/// <summary>Deletion only in the UPDATE state (RFC 1939 §6), the maildrop lock (RFC 2449 IN-USE), and hostile input.</summary>
public sealed class Pop3UpdateTests : Pop3TestServer
{
    [Fact]
    public async Task Deleted_messages_are_removed_at_quit()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"), SmtpDelivery.Message("three", "3"));
        var before = await InboxAsync();
        await using (var wire = await LoginAsync())
        {
            Assert.Equal("+OK Message 2 deleted", await wire.CommandAsync("DELE 2"));
            Assert.Equal("-ERR Message is deleted", await wire.CommandAsync("DELE 2"));
            Assert.Equal("-ERR Message is deleted", await wire.CommandAsync("RETR 2"));
            Assert.Equal("-ERR Message is deleted", await wire.CommandAsync("LIST 2"));
            Assert.Equal($"+OK 2 {Stored[0].Length + Stored[2].Length}", await wire.CommandAsync("STAT"));
            var (_, list) = await wire.MultilineAsync("LIST");
            Assert.Equal([$"1 {Stored[0].Length}", $"3 {Stored[2].Length}"], list);

            // Still there until the session ends with QUIT.
            Assert.Equal(3, (await InboxAsync()).Count);
            Assert.Equal("+OK Logging out, 1 message deleted", await wire.CommandAsync("QUIT"));
            Assert.True(await wire.IsClosedAsync());
        }

        var after = await InboxAsync();
        Assert.Equal([before[0].Uid, before[2].Uid], after.Select(m => m.Uid));
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains($"disconnect: user=<{Alice}>", StringComparison.Ordinal) && l.EndsWith("deleted 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dropped_connection_deletes_nothing()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"));
        await using (var wire = await LoginAsync())
        {
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 1"));
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 2"));
        }

        // A new session can log in only after the server has closed the dropped one; then both messages are there.
        await using var next = await LoginWhenFreeAsync();
        Assert.Equal($"+OK 2 {Stored.Sum(m => m.Length)}", await next.CommandAsync("STAT"));
        Assert.Equal(2, (await InboxAsync()).Count);
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains("no deletions (session ended without QUIT)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rset_undoes_the_deletions_of_the_session()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"));
        await using (var wire = await LoginAsync())
        {
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 1"));
            Assert.Equal($"+OK 1 {Stored[1].Length}", await wire.CommandAsync("STAT"));
            Assert.StartsWith("+OK", await wire.CommandAsync("RSET"));
            Assert.Equal($"+OK 2 {Stored.Sum(m => m.Length)}", await wire.CommandAsync("STAT"));
            Assert.Equal("+OK Logging out, 0 messages deleted", await wire.CommandAsync("QUIT"));
        }

        Assert.Equal(2, (await InboxAsync()).Count);
    }

    [Fact]
    public async Task Retrieved_messages_are_marked_seen_at_quit()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"));
        await using (var wire = await LoginAsync())
        {
            await wire.MultilineAsync("RETR 2");
            await wire.MultilineAsync("TOP 1 0");
            await wire.CommandAsync("QUIT");
        }

        var inbox = await InboxAsync();
        Assert.False(inbox[0].Flags.HasFlag(MessageFlags.Seen));
        Assert.True(inbox[1].Flags.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task A_second_session_on_the_same_maildrop_is_refused_with_in_use()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"));
        await using var first = await LoginAsync();
        await using (var second = await Pop3Wire.ConnectAsync(Port))
        {
            await second.CommandAsync($"USER {Alice}");
            Assert.Equal("-ERR [IN-USE] Mailbox is locked by another POP3 session", await second.CommandAsync($"PASS {Password}"));
            Assert.StartsWith("-ERR [IN-USE]", await second.CommandAsync($"AUTH PLAIN {Plain(Alice, Password)}"));
            Assert.StartsWith("-ERR", await second.CommandAsync("STAT"));
        }

        Assert.Contains(Carrier.Logs.Lines, l => l.Contains($"login refused: user=<{Alice}>", StringComparison.Ordinal));
        Assert.StartsWith("+OK", await first.CommandAsync("QUIT"));
        await using var third = await LoginAsync();
        Assert.StartsWith("+OK 1 ", await third.CommandAsync("STAT"));
    }

    [Fact]
    public async Task A_message_expunged_elsewhere_during_the_session_gets_err()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"));
        await using var wire = await LoginAsync();
        var inbox = await Carrier.MailboxAsync(Alice);
        var uid = (await InboxAsync())[0].Uid;
        await Carrier.Server.Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Add, MessageFlags.Deleted, [], null, CancellationToken.None);
        await Carrier.Server.Store.Mailboxes.ExpungeAsync(inbox.Id, null, CancellationToken.None);

        Assert.StartsWith("-ERR [SYS/TEMP]", await wire.CommandAsync("RETR 1"));
        Assert.StartsWith("+OK", await wire.CommandAsync("DELE 1"));
        Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task A_message_marked_deleted_elsewhere_is_hidden_but_not_removed_by_pop3()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"));
        var inbox = await Carrier.MailboxAsync(Alice);
        uint marked = (await InboxAsync())[0].Uid;
        await Carrier.Server.Store.Mailboxes.StoreFlagsAsync(inbox.Id, [marked], FlagOperation.Add, MessageFlags.Deleted, [], null, CancellationToken.None);

        await using (var wire = await LoginAsync())
        {
            Assert.Equal($"+OK 1 {Stored[1].Length}", await wire.CommandAsync("STAT"));
            Assert.Equal("+OK Logging out, 0 messages deleted", await wire.CommandAsync("QUIT"));
        }

        Assert.Contains(marked, (await InboxAsync()).Select(m => m.Uid));
    }

    [Fact]
    public async Task Unknown_commands_and_nul_bytes_get_err_and_the_session_goes_on()
    {
        await using var wire = await LoginAsync();
        Assert.Equal("-ERR Unknown command", await wire.CommandAsync("XYZZY"));
        Assert.Equal("-ERR Unknown command", await wire.CommandAsync(string.Empty));
        await wire.SendAsync("ST\0AT\r\n"u8.ToArray());
        Assert.Equal("-ERR Unknown command", await wire.ReadLineAsync());
        await wire.SendAsync([0x4E, 0x4F, 0x4F, 0x50, 0x20, 0xFF, 0xFE, 0x0D, 0x0A]);
        Assert.Equal("-ERR Unknown command", await wire.ReadLineAsync());
        Assert.Equal("+OK Ok", await wire.CommandAsync("noop"));
    }

    [Fact]
    public async Task An_overlong_line_gets_err_without_ending_the_session()
    {
        await using var wire = await LoginAsync();
        Assert.Equal("-ERR Line too long", await wire.CommandAsync("NOOP " + new string('x', 100_000)));
        Assert.Equal("+OK Ok", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task An_overlong_answer_ends_an_authentication_exchange()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+ ", await wire.CommandAsync("AUTH PLAIN"));
        Assert.Equal("-ERR Line too long", await wire.CommandAsync(new string('A', 100_000)));
        Assert.Equal("-ERR Not logged in: use USER and PASS, or AUTH", await wire.CommandAsync("STAT"));
        Assert.StartsWith("+OK Logged in", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, Password)}"));
    }

    [Fact]
    public async Task Stls_is_offered_before_login_and_refused_after_it()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        var (_, capabilities) = await wire.MultilineAsync("CAPA");
        Assert.Contains("STLS", capabilities);
        Assert.StartsWith("+OK Logged in", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, Password)}"));
        Assert.StartsWith("-ERR", await wire.CommandAsync("STLS"));
    }

    [Fact]
    public async Task The_error_budget_ends_the_session()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        for (int i = 1; i < ErrorBudget; i++)
        {
            Assert.Equal("-ERR Unknown command", await wire.CommandAsync("BOGUS " + i));
        }

        Assert.Equal("-ERR Not logged in: use USER and PASS, or AUTH", await wire.CommandAsync("STAT"));
        Assert.Equal("-ERR Too many errors, disconnecting", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains("too many errors", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_flood_of_bad_lines_in_one_write_is_cut_off_by_the_budget()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        await wire.SendAsync(string.Concat(Enumerable.Repeat("\0\0\0\r\n", 10_000)));
        for (int i = 0; i < ErrorBudget; i++)
        {
            Assert.Equal("-ERR Unknown command", await wire.ReadLineAsync());
        }

        Assert.Equal("-ERR Too many errors, disconnecting", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
    }

    /// <summary>Logs in, retrying while the server still holds the lock of a session it has not yet seen close.</summary>
    private async Task<Pop3Wire> LoginWhenFreeAsync()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var wire = await Pop3Wire.ConnectAsync(Port);
            await wire.CommandAsync($"USER {Alice}");
            string reply = await wire.CommandAsync($"PASS {Password}");
            if (reply.StartsWith("+OK", StringComparison.Ordinal))
            {
                return wire;
            }

            Assert.StartsWith("-ERR [IN-USE]", reply);
            await wire.DisposeAsync();
            await Task.Delay(50);
        }

        throw new TimeoutException("the maildrop stayed locked after the connection was dropped");
    }
}
