using System.Text;
using Carrier.Testing;

namespace Carrier.Tests.Pop3;

/// <summary>The POP3 session (RFC 1939, 2449, 5034) against the real server on loopback: login and the transaction commands.</summary>
public sealed class Pop3SessionTests : Pop3TestServer
{
    [Fact]
    public async Task The_greeting_and_capabilities_announce_what_the_server_does()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+OK mail.local.test Carrier POP3 ready", wire.Greeting);

        var (status, capabilities) = await wire.MultilineAsync("CAPA");
        Assert.StartsWith("+OK", status);
        foreach (string capability in new[] { "TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE" })
        {
            Assert.Contains(capability, capabilities);
        }

        Assert.Contains(capabilities, c => c.StartsWith("SASL ", StringComparison.Ordinal) && c.Split(' ').Contains("PLAIN"));
    }

    [Fact]
    public async Task User_and_pass_open_the_maildrop()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "first"), SmtpDelivery.Message("two", "second"));
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.StartsWith("+OK", await wire.CommandAsync($"USER {Alice}"));
        Assert.Equal("+OK Logged in, 2 messages", await wire.CommandAsync($"PASS {Password}"));
        Assert.Equal($"+OK 2 {Stored.Sum(m => m.Length)}", await wire.CommandAsync("STAT"));
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains($"login: user=<{Alice}>, rip=[127.0.0.1], messages=2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_the_fourth_failure_ends_the_session()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        await wire.CommandAsync($"USER {Alice}");
        Assert.Equal("-ERR [AUTH] Authentication failed", await wire.CommandAsync("PASS wrong"));
        Assert.Equal("-ERR Send USER first", await wire.CommandAsync("PASS wrong"));
        await wire.CommandAsync("USER nobody@local.test");
        Assert.Equal("-ERR [AUTH] Authentication failed", await wire.CommandAsync($"PASS {Password}"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, "guess")}"));
        Assert.Equal("-ERR [AUTH] Authentication failed; too many attempts, disconnecting", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, "guess again")}"));
        Assert.True(await wire.IsClosedAsync());
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains($"login failed: user=<{Alice}>, rip=[127.0.0.1]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Auth_plain_accepts_an_initial_response()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "first"));
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+OK Logged in, 1 message", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, Password)}"));
        Assert.Equal($"+OK 1 {Stored[0].Length}", await wire.CommandAsync("STAT"));
    }

    [Fact]
    public async Task Auth_plain_accepts_the_response_after_an_empty_challenge()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+ ", await wire.CommandAsync("AUTH PLAIN"));
        Assert.Equal("+OK Logged in, 0 messages", await wire.CommandAsync(Plain(Alice, Password)));
    }

    [Fact]
    public async Task Auth_login_asks_for_user_name_and_password()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+ " + Convert.ToBase64String("Username:"u8.ToArray()), await wire.CommandAsync("AUTH LOGIN"));
        Assert.Equal("+ " + Convert.ToBase64String("Password:"u8.ToArray()), await wire.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(Alice))));
        Assert.StartsWith("+OK Logged in", await wire.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))));
    }

    [Fact]
    public async Task Auth_can_be_cancelled_and_refuses_bad_input()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+ ", await wire.CommandAsync("AUTH PLAIN"));
        Assert.Equal("-ERR Authentication cancelled", await wire.CommandAsync("*"));
        Assert.Equal("-ERR Invalid base64 data", await wire.CommandAsync("AUTH PLAIN not*base64"));
        Assert.Equal("-ERR Unsupported authentication mechanism", await wire.CommandAsync("AUTH CRAM-MD5"));
        var (status, mechanisms) = await wire.MultilineAsync("AUTH");
        Assert.StartsWith("+OK", status);
        Assert.Contains("PLAIN", mechanisms);

        // Still in the AUTHORIZATION state: a correct login works afterwards.
        Assert.StartsWith("+OK Logged in", await wire.CommandAsync($"AUTH PLAIN {Plain(Alice, Password)}"));
    }

    [Fact]
    public async Task An_authorization_identity_other_than_the_user_is_refused()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        string asBob = Convert.ToBase64String(Encoding.UTF8.GetBytes($"bob@local.test\0{Alice}\0{Password}"));
        Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync($"AUTH PLAIN {asBob}"));
        Assert.StartsWith("-ERR", await wire.CommandAsync("STAT"));
    }

    [Fact]
    public async Task List_gives_every_size_and_single_messages_by_number()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "first"), SmtpDelivery.Message("two", "second, longer"));
        await using var wire = await LoginAsync();
        var (status, lines) = await wire.MultilineAsync("LIST");
        Assert.StartsWith("+OK 2 messages", status);
        Assert.Equal([$"1 {Stored[0].Length}", $"2 {Stored[1].Length}"], lines);
        Assert.Equal($"+OK 2 {Stored[1].Length}", await wire.CommandAsync("LIST 2"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("LIST 3"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("LIST 0"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("LIST -1"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("LIST one"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("LIST 99999999999999999999"));
    }

    [Fact]
    public async Task Retr_returns_the_stored_message_with_leading_dots_doubled()
    {
        string message = SmtpDelivery.Message("dots", ".hidden\r\n..two dots\r\n.\r\nlast line");
        await DeliverAsync(message);
        await using var wire = await LoginAsync();
        var (status, lines) = await wire.MultilineAsync("RETR 1");
        Assert.Equal($"+OK {Stored[0].Length} octets", status);
        Assert.Contains("..hidden", lines);
        Assert.Contains("...two dots", lines);
        Assert.Contains("..", lines);
        Assert.Equal(Stored[0], Unstuff(lines));
        Assert.EndsWith(message, Encoding.UTF8.GetString(Unstuff(lines)));
    }

    [Fact]
    public async Task Retr_of_a_large_message_arrives_whole()
    {
        var body = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            body.Append(i % 7 == 0 ? "." : string.Empty).Append("line ").Append(i).Append(" of a long message\r\n");
        }

        await DeliverAsync(SmtpDelivery.Message("large", body.ToString()));
        Assert.True(Stored[0].Length > 100_000);
        await using var wire = await LoginAsync();
        var (status, lines) = await wire.MultilineAsync("RETR 1");
        Assert.StartsWith("+OK", status);
        Assert.Equal(Stored[0], Unstuff(lines));
    }

    [Fact]
    public async Task Top_gives_the_header_and_the_first_lines_of_the_body()
    {
        await DeliverAsync(SmtpDelivery.Message("top", "first\r\n.second\r\nthird"));
        string stored = Encoding.UTF8.GetString(Stored[0]);
        string header = stored[..(stored.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        await using var wire = await LoginAsync();

        var (status, none) = await wire.MultilineAsync("TOP 1 0");
        Assert.StartsWith("+OK", status);
        Assert.Equal(header, Encoding.UTF8.GetString(Unstuff(none)));

        var (_, two) = await wire.MultilineAsync("TOP 1 2");
        Assert.Equal(header + "first\r\n.second\r\n", Encoding.UTF8.GetString(Unstuff(two)));
        Assert.Equal("..second", two[^1]);

        var (_, all) = await wire.MultilineAsync("TOP 1 100");
        Assert.Equal(Stored[0], Unstuff(all));

        Assert.Equal("-ERR Syntax: TOP msg lines", await wire.CommandAsync("TOP 1"));
        Assert.Equal("-ERR Syntax: TOP msg lines", await wire.CommandAsync("TOP 1 -1"));
        Assert.Equal("-ERR No such message", await wire.CommandAsync("TOP 2 0"));
    }

    [Fact]
    public async Task Uidl_is_unique_and_stable_across_sessions()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "1"), SmtpDelivery.Message("two", "2"), SmtpDelivery.Message("three", "3"));
        List<string> first;
        await using (var wire = await LoginAsync())
        {
            var (status, lines) = await wire.MultilineAsync("UIDL");
            Assert.StartsWith("+OK", status);
            first = lines;
            Assert.Equal(3, first.Select(l => l.Split(' ')[1]).Distinct().Count());
            Assert.All(first, l => Assert.Matches("^[1-3] [\x21-\x7E]{1,70}$", l));
            Assert.Equal("+OK " + first[1], await wire.CommandAsync("UIDL 2"));
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 1"));
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }

        await DeliverAsync(SmtpDelivery.Message("four", "4"));
        await using (var wire = await LoginAsync())
        {
            var (_, lines) = await wire.MultilineAsync("UIDL");
            var ids = lines.Select(l => l.Split(' ')[1]).ToList();
            Assert.Equal(3, ids.Count);
            Assert.Equal(first[1].Split(' ')[1], ids[0]);
            Assert.Equal(first[2].Split(' ')[1], ids[1]);
            Assert.DoesNotContain(ids[2], first.Select(l => l.Split(' ')[1]));
        }
    }

    [Fact]
    public async Task Noop_and_pipelined_commands_are_answered_in_order()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "first"));
        await using var wire = await LoginAsync();
        await wire.SendAsync("NOOP\r\nSTAT\r\nLIST 1\r\nUIDL 1\r\nNOOP\r\n");
        Assert.Equal("+OK Ok", await wire.ReadLineAsync());
        Assert.Equal($"+OK 1 {Stored[0].Length}", await wire.ReadLineAsync());
        Assert.Equal($"+OK 1 {Stored[0].Length}", await wire.ReadLineAsync());
        Assert.StartsWith("+OK 1 ", await wire.ReadLineAsync());
        Assert.Equal("+OK Ok", await wire.ReadLineAsync());
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_get_err()
    {
        await using (var wire = await Pop3Wire.ConnectAsync(Port))
        {
            foreach (string command in new[] { "STAT", "LIST", "RETR 1", "TOP 1 0", "UIDL", "DELE 1", "RSET", "NOOP" })
            {
                Assert.Equal("-ERR Not logged in: use USER and PASS, or AUTH", await wire.CommandAsync(command));
            }
        }

        await using (var wire = await LoginAsync())
        {
            foreach (string command in new[] { $"USER {Alice}", $"PASS {Password}", $"AUTH PLAIN {Plain(Alice, Password)}", "STLS" })
            {
                Assert.Equal("-ERR Command not allowed now", await wire.CommandAsync(command));
            }

            Assert.StartsWith("+OK", await wire.CommandAsync("NOOP"));
        }
    }

    [Fact]
    public async Task Quit_before_login_says_goodbye_and_closes()
    {
        await using var wire = await Pop3Wire.ConnectAsync(Port);
        Assert.Equal("+OK mail.local.test Carrier POP3 signing off", await wire.CommandAsync("QUIT"));
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task Mail_that_arrives_during_a_session_appears_in_the_next_one()
    {
        await DeliverAsync(SmtpDelivery.Message("one", "first"));
        await using (var wire = await LoginAsync())
        {
            await DeliverAsync(SmtpDelivery.Message("two", "second"));
            Assert.Equal($"+OK 1 {Stored[0].Length}", await wire.CommandAsync("STAT"));
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }

        await using (var wire = await LoginAsync())
        {
            Assert.Equal($"+OK 2 {Stored[0].Length + Stored[1].Length}", await wire.CommandAsync("STAT"));
        }
    }
}
