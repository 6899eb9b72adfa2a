using Carrier.Testing;

namespace Carrier.Tests.Imap;

public sealed class ImapSessionTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapSessionTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Greeting_announces_capabilities_and_LOGIN_opens_the_authenticated_state()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ", wire.Greeting, StringComparison.Ordinal);
        Assert.Contains("AUTH=PLAIN", wire.Greeting, StringComparison.Ordinal);

        string capability = await wire.CommandAsync("a1", "CAPABILITY");
        Assert.Contains("* CAPABILITY IMAP4rev1 IMAP4rev2", capability, StringComparison.Ordinal);
        Assert.EndsWith("a1 OK CAPABILITY completed", capability, StringComparison.Ordinal);

        Assert.StartsWith("a2 OK [CAPABILITY ", await wire.CommandAsync("a2", $"LOGIN {user} password-of-test-user"), StringComparison.Ordinal);
        Assert.EndsWith("a3 OK LOGOUT completed", await wire.CommandAsync("a3", "LOGOUT"), StringComparison.Ordinal);
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_the_third_failure_ends_the_session()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed", await wire.CommandAsync("a1", $"LOGIN {user} wrong"));
        Assert.Equal("a2 NO [AUTHENTICATIONFAILED] Authentication failed", await wire.CommandAsync("a2", $"LOGIN \"{user}\" \"also wrong\""));
        string third = await wire.CommandAsync("a3", $"LOGIN {user} wrong-again");
        Assert.StartsWith("a3 NO [AUTHENTICATIONFAILED]", third, StringComparison.Ordinal);
        Assert.Equal("* BYE Too many failed logins", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
        Assert.Contains(_server.Carrier.Logs.Lines, line => line.Contains("imap login failed", StringComparison.Ordinal) && line.Contains(user, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AUTHENTICATE_PLAIN_works_with_an_initial_response_and_with_a_continuation()
    {
        string user = await _server.NewUserAsync();
        string credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{user}\0password-of-test-user"));
        await using (var wire = await ImapWire.ConnectAsync(_server.Port))
        {
            Assert.StartsWith("a1 OK", await wire.CommandAsync("a1", "AUTHENTICATE PLAIN " + credentials), StringComparison.Ordinal);
        }

        await using (var wire = await ImapWire.ConnectAsync(_server.Port))
        {
            await wire.SendAsync("a1 AUTHENTICATE PLAIN\r\n");
            Assert.Equal("+ ", await wire.ReadLineAsync());
            await wire.SendAsync(credentials + "\r\n");
            Assert.StartsWith("a1 OK", await wire.ReadTaggedAsync("a1"), StringComparison.Ordinal);
        }

        await using (var wire = await ImapWire.ConnectAsync(_server.Port))
        {
            await wire.SendAsync("a1 AUTHENTICATE PLAIN\r\n");
            Assert.Equal("+ ", await wire.ReadLineAsync());
            await wire.SendAsync("*\r\n");
            Assert.Equal("a1 BAD Authentication cancelled", await wire.ReadTaggedAsync("a1"));
            Assert.StartsWith("a2 BAD", await wire.CommandAsync("a2", "SELECT INBOX"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_get_BAD_and_the_session_goes_on()
    {
        await using var wire = await ImapWire.ConnectAsync(_server.Port);
        Assert.Equal("a1 BAD Log in first", await wire.CommandAsync("a1", "SELECT INBOX"));
        Assert.Equal("a2 BAD Log in first", await wire.CommandAsync("a2", "FETCH 1 FLAGS"));
        Assert.Equal("a3 BAD Unknown command", await wire.CommandAsync("a3", "FROBNICATE"));
        Assert.Equal("a4 OK NOOP completed", await wire.CommandAsync("a4", "NOOP"));

        await using var user = await _server.LoginAsync();
        Assert.Equal("b1 BAD FETCH is not allowed now", await user.CommandAsync("b1", "FETCH 1 FLAGS"));
        Assert.Equal("b2 BAD EXPUNGE is not allowed now", await user.CommandAsync("b2", "EXPUNGE"));
        Assert.Equal("b3 BAD LOGIN is not allowed now", await user.CommandAsync("b3", "LOGIN a b"));
    }

    [Fact]
    public async Task LIST_shows_the_standard_mailboxes_with_special_use_and_children()
    {
        await using var wire = await _server.LoginAsync();
        string list = await wire.CommandAsync("a1", "LIST \"\" \"*\"");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" INBOX", list, StringComparison.Ordinal);
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" Sent", list, StringComparison.Ordinal);
        Assert.Contains("* LIST (\\HasNoChildren \\Trash) \"/\" Trash", list, StringComparison.Ordinal);
        Assert.EndsWith("a1 OK LIST completed", list, StringComparison.Ordinal);

        Assert.Equal("* LIST (\\Noselect) \"/\" \"\"\r\na2 OK LIST completed", await wire.CommandAsync("a2", "LIST \"\" \"\""));
        string special = await wire.CommandAsync("a3", "LIST (SPECIAL-USE) \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.DoesNotContain("INBOX", special, StringComparison.Ordinal);
        Assert.Contains("* STATUS Drafts (MESSAGES 0 UNSEEN 0)", special, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APPEND_SELECT_and_FETCH_round_trip_a_message_and_BODY_sets_seen()
    {
        await using var wire = await _server.LoginAsync();
        string message = ImapServerFixture.Message("First");
        string append = await ImapServerFixture.AppendAsync(wire, "INBOX", message, "\\Flagged");
        Assert.Matches(@"^AP OK \[APPENDUID \d+ 1\] APPEND completed$", append);

        string select = await wire.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* 1 EXISTS", select, StringComparison.Ordinal);
        Assert.Contains("* OK [UIDNEXT 2]", select, StringComparison.Ordinal);
        Assert.EndsWith("s OK [READ-WRITE] SELECT completed", select, StringComparison.Ordinal);

        int size = System.Text.Encoding.UTF8.GetByteCount(message);
        string fetch = await wire.CommandAsync("f1", "FETCH 1 (FLAGS UID RFC822.SIZE BODY.PEEK[])");
        Assert.StartsWith($"* 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1 RFC822.SIZE {size} BODY[] {{{size}}}\r\n{message})", fetch, StringComparison.Ordinal);

        string partial = await wire.CommandAsync("f2", "UID FETCH 1 BODY[]<6.5>");
        Assert.StartsWith("* 1 FETCH (UID 1 BODY[]<6> {5}\r\nAlice FLAGS (\\Seen \\Flagged \\Recent))", partial, StringComparison.Ordinal);
        Assert.Contains("* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))", await wire.CommandAsync("f3", "FETCH 1:* FLAGS"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task STORE_SEARCH_and_EXPUNGE_work_by_sequence_number_and_by_UID()
    {
        await using var wire = await _server.LoginAsync();
        for (int i = 1; i <= 4; i++)
        {
            await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message($"Message {i}"));
        }

        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.Equal("* 2 FETCH (FLAGS (\\Deleted \\Recent))\r\na1 OK STORE completed", await wire.CommandAsync("a1", "STORE 2 +FLAGS (\\Deleted)"));
        Assert.Equal("a2 OK UID STORE completed", await wire.CommandAsync("a2", "UID STORE 3 +FLAGS.SILENT ($Important \\Seen)"));
        Assert.Equal("* SEARCH 2\r\na3 OK SEARCH completed", await wire.CommandAsync("a3", "SEARCH DELETED"));
        Assert.Equal("* SEARCH 3\r\na4 OK UID SEARCH completed", await wire.CommandAsync("a4", "UID SEARCH KEYWORD $Important"));
        Assert.Equal("* SEARCH 1 4\r\na5 OK SEARCH completed", await wire.CommandAsync("a5", "SEARCH UNSEEN UNDELETED"));
        Assert.Equal("* SEARCH 1 3\r\na6 OK SEARCH completed", await wire.CommandAsync("a6", "SEARCH OR 1 KEYWORD $IMPORTANT"));
        Assert.Equal("* ESEARCH (TAG \"a7\") MIN 1 MAX 4 COUNT 3\r\na7 OK SEARCH completed", await wire.CommandAsync("a7", "SEARCH RETURN (MIN MAX COUNT) NOT DELETED"));

        Assert.Equal("* 2 EXPUNGE\r\na8 OK EXPUNGE completed", await wire.CommandAsync("a8", "EXPUNGE"));
        Assert.Equal("* 3 FETCH (UID 4 FLAGS (\\Recent))\r\na9 OK UID FETCH completed", await wire.CommandAsync("a9", "UID FETCH 4 FLAGS"));
        await wire.CommandAsync("b1", "STORE 1:* +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* 1 EXPUNGE\r\nb2 OK UID EXPUNGE completed", await wire.CommandAsync("b2", "UID EXPUNGE 1"));
        Assert.Equal("* SEARCH 3 4\r\nb3 OK UID SEARCH completed", await wire.CommandAsync("b3", "UID SEARCH ALL"));
    }
}
