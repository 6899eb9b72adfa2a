using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>Input meant to hurt the server: each gets its protocol reply, and the server carries on.</summary>
public sealed class ImapHostileInputTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapHostileInputTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task A_huge_synchronizing_literal_is_refused_before_any_octet_is_sent()
    {
        await using var wire = await _server.LoginAsync();
        await wire.SendAsync("a1 APPEND INBOX {4294967295}\r\n");
        Assert.Equal("a1 NO [TOOBIG] Literal too large", await wire.ReadTaggedAsync("a1"));
        await wire.SendAsync("a2 LOGIN {99999999999999999999}\r\n");
        Assert.Equal("a2 NO [TOOBIG] Literal too large", await wire.ReadTaggedAsync("a2"));
        Assert.Equal("a3 OK NOOP completed", await wire.CommandAsync("a3", "NOOP"));
    }

    [Fact]
    public async Task A_huge_non_synchronizing_literal_gets_TOOBIG_and_the_connection_is_closed()
    {
        await using (var wire = await ImapWire.ConnectAsync(_server.Port))
        {
            await wire.SendAsync("a1 LOGIN {2000000000+}\r\nAAAAAAAAAAAAAAAA");
            Assert.Equal("a1 BAD [TOOBIG] Literal too large", await wire.ReadLineAsync());
            Assert.StartsWith("* BYE", await wire.ReadLineAsync(), StringComparison.Ordinal);
            Assert.True(await wire.IsClosedAsync());
        }

        await using var next = await _server.LoginAsync();
        Assert.Equal("b1 OK NOOP completed", await next.CommandAsync("b1", "NOOP"));
    }

    [Fact]
    public async Task Literals_synchronizing_and_not_carry_arguments()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        await wire.SendAsync($"a1 LOGIN {{{user.Length}}}\r\n");
        Assert.StartsWith("+ ", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.SendAsync($"{user} {{21+}}\r\npassword-of-test-user\r\n");
        Assert.StartsWith("a1 OK", await wire.ReadTaggedAsync("a1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_thousand_nested_parentheses_get_BAD()
    {
        await using var wire = await _server.LoginAsync();
        await wire.CommandAsync("s", "SELECT INBOX");
        string tooLong = await wire.CommandAsync("a1", "SEARCH " + new string('(', 10_000) + "ALL" + new string(')', 10_000));
        Assert.Equal("a1 BAD Line too long (limit 8192 octets)", tooLong);

        // Within the line limit, the nesting limit answers.
        string deep = await wire.CommandAsync("a2", "SEARCH " + new string('(', 3000) + "ALL" + new string(')', 3000));
        Assert.Equal("a2 BAD Search criteria nested deeper than 32 levels", deep);
        string notNot = await wire.CommandAsync("a3", "SEARCH " + string.Concat(Enumerable.Repeat("NOT ", 1000)) + "ALL");
        Assert.Equal("a3 BAD Search criteria nested deeper than 32 levels", notNot);
        Assert.Equal("a4 OK SEARCH completed", (await wire.CommandAsync("a4", "SEARCH ((ALL))")).Split("\r\n")[^1]);
    }

    [Fact]
    public async Task An_overlong_line_is_discarded_and_answered_with_BAD()
    {
        await using var wire = await _server.LoginAsync();
        await wire.SendAsync("a1 NOOP " + new string('x', 1_000_000) + "\r\n");
        Assert.Equal("a1 BAD Line too long (limit 8192 octets)", await wire.ReadTaggedAsync("a1"));
        Assert.Equal("a2 OK NOOP completed", await wire.CommandAsync("a2", "NOOP"));
    }

    [Fact]
    public async Task NUL_octets_in_commands_and_literals_get_BAD()
    {
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        Assert.Equal("a1 BAD Syntax: LOGIN user password", await wire.CommandAsync("a1", "LOGIN us\0er secret"));
        await wire.SendAsync("a2 LOGIN {5+}\r\nus\0er secret\r\n");
        Assert.Equal("a2 BAD Syntax: LOGIN user password", await wire.ReadTaggedAsync("a2"));
        await wire.SendAsync("\0\0\0\r\n");
        Assert.Equal("* BAD Every command starts with a tag and a space", await wire.ReadLineAsync());
        Assert.Equal("a3 OK NOOP completed", await wire.CommandAsync("a3", "NOOP"));
    }

    [Fact]
    public async Task Invalid_sequence_sets_get_BAD()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("one"));
        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith("a1 BAD Syntax", await wire.CommandAsync("a1", "FETCH 0 FLAGS"), StringComparison.Ordinal);
        Assert.StartsWith("a2 BAD Syntax", await wire.CommandAsync("a2", "FETCH 1:: FLAGS"), StringComparison.Ordinal);
        Assert.StartsWith("a3 BAD Syntax", await wire.CommandAsync("a3", "FETCH ,1 FLAGS"), StringComparison.Ordinal);
        Assert.StartsWith("a4 BAD Syntax", await wire.CommandAsync("a4", "STORE 99999999999 +FLAGS (\\Seen)"), StringComparison.Ordinal);
        Assert.Equal("a5 BAD Invalid message sequence number", await wire.CommandAsync("a5", "FETCH 2 FLAGS"));
        Assert.Equal("a6 OK UID FETCH completed", await wire.CommandAsync("a6", "UID FETCH 2:4 FLAGS"));
        Assert.Equal("a7 BAD Invalid sequence set", await wire.CommandAsync("a7", "SEARCH 1:x"));
    }

    [Fact]
    public async Task Path_traversal_and_malformed_mailbox_names_are_refused()
    {
        await using var wire = await _server.LoginAsync();
        foreach (string name in new[] { "\"../etc\"", "\"a//b\"", "\"/root\"", "\"a/../b\"", "\"a/./b\"", "{5+}\r\nab\u0001cd", "\"x*\"", "\"  \"" })
        {
            string reply = await wire.CommandAsync("c", "CREATE " + name);
            Assert.StartsWith("c NO [CANNOT] ", reply, StringComparison.Ordinal);
        }

        Assert.Equal("r NO [CANNOT] The mailbox name has a level that is only dots or spaces", await wire.CommandAsync("r", "RENAME Archive .."));
        string list = await wire.CommandAsync("l", "LIST \"\" \"*\"");
        Assert.Equal(7, list.Split("\r\n").Length);
    }

    [Fact]
    public async Task The_error_budget_ends_an_abusive_session_with_BYE()
    {
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        for (int i = 1; i < 20; i++)
        {
            Assert.StartsWith($"e{i} BAD", await wire.CommandAsync($"e{i}", "GARBAGE"), StringComparison.Ordinal);
        }

        await wire.SendAsync("e20 GARBAGE\r\n");
        Assert.Equal("e20 BAD Unknown command", await wire.ReadLineAsync());
        Assert.Equal("* BYE Too many errors, disconnecting", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
        Assert.Contains(_server.Carrier.Logs.Lines, line => line.Contains("too many errors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        await using var wire = await _server.LoginAsync();
        await wire.SendAsync("p1 NOOP\r\np2 SELECT INBOX\r\np3 FETCH 1:* FLAGS\r\np4 LOGOUT\r\n");
        Assert.Equal("p1 OK NOOP completed", await wire.ReadTaggedAsync("p1"));
        Assert.EndsWith("p2 OK [READ-WRITE] SELECT completed", await wire.ReadTaggedAsync("p2"), StringComparison.Ordinal);
        Assert.Equal("p3 OK FETCH completed", await wire.ReadTaggedAsync("p3"));
        Assert.EndsWith("p4 OK LOGOUT completed", await wire.ReadTaggedAsync("p4"), StringComparison.Ordinal);
    }
}
