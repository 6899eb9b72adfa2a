using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>\Recent (RFC 3501 §2.3.2): recent in exactly one session, the first to select the mailbox after arrival.</summary>
public sealed class ImapRecentTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapRecentTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task The_first_SELECT_claims_new_messages_and_a_later_one_sees_them_as_old()
    {
        string user = await _server.NewUserAsync();
        await using var first = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("one"));
        await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message("two"));
        Assert.Equal("* STATUS INBOX (RECENT 2)\r\nst OK STATUS completed", await first.CommandAsync("st", "STATUS INBOX (RECENT)"));

        string select = await first.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS\r\n* 2 RECENT\r\n", select, StringComparison.Ordinal);
        Assert.Equal("* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\nf OK FETCH completed", await first.CommandAsync("f", "FETCH 1:* FLAGS"));
        Assert.Equal("* SEARCH 1 2\r\na1 OK SEARCH completed", await first.CommandAsync("a1", "SEARCH RECENT"));
        await first.CommandAsync("a2", "STORE 1 +FLAGS.SILENT (\\Seen)");
        Assert.Equal("* SEARCH 2\r\na3 OK SEARCH completed", await first.CommandAsync("a3", "SEARCH NEW"));
        Assert.Equal("* SEARCH\r\na4 OK SEARCH completed", await first.CommandAsync("a4", "SEARCH OLD"));

        // \Recent cannot be stored or removed by a client (RFC 3501 §2.3.2): asking is ignored.
        Assert.Equal("* 2 FETCH (FLAGS (\\Recent))\r\na5 OK STORE completed", await first.CommandAsync("a5", "STORE 2 -FLAGS (\\Recent)"));

        await using var second = await ImapWire.LoginAsync(_server.Port, user);
        Assert.Equal("* STATUS INBOX (RECENT 0)\r\nst OK STATUS completed", await second.CommandAsync("st", "STATUS INBOX (RECENT)"));
        Assert.Contains("* 0 RECENT", await second.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        Assert.Equal("* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS ())\r\nf OK FETCH completed", await second.CommandAsync("f", "FETCH 1:* FLAGS"));
        Assert.Equal("* SEARCH 1 2\r\na1 OK SEARCH completed", await second.CommandAsync("a1", "SEARCH OLD"));
        Assert.Equal("* SEARCH\r\na2 OK SEARCH completed", await second.CommandAsync("a2", "SEARCH RECENT"));
    }

    [Fact]
    public async Task EXAMINE_shows_recent_messages_without_claiming_them()
    {
        string user = await _server.NewUserAsync();
        await using var looker = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(looker, "INBOX", ImapServerFixture.Message("new"));
        Assert.Contains("* 1 RECENT", await looker.CommandAsync("e", "EXAMINE INBOX"), StringComparison.Ordinal);
        Assert.Contains("FLAGS (\\Recent)", await looker.CommandAsync("f", "FETCH 1 FLAGS"), StringComparison.Ordinal);

        await using var selector = await ImapWire.LoginAsync(_server.Port, user);
        Assert.Contains("* 1 RECENT", await selector.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        Assert.Contains("* 0 RECENT", await looker.CommandAsync("e2", "EXAMINE INBOX"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_arriving_while_selected_is_recent_in_that_session_and_announced_with_RECENT()
    {
        string user = await _server.NewUserAsync();
        await using var reader = await ImapWire.LoginAsync(_server.Port, user);
        await using var writer = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(reader, "INBOX", ImapServerFixture.Message("before"));
        Assert.Contains("* 1 RECENT", await reader.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        Assert.Contains("* 0 RECENT", await writer.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);

        await using (var third = await ImapWire.LoginAsync(_server.Port, user))
        {
            await ImapServerFixture.AppendAsync(third, "INBOX", ImapServerFixture.Message("after"));
        }

        // The first of the two sessions to learn of the message is the one it is recent in.
        Assert.Equal("* 2 EXISTS\r\n* 2 RECENT\r\nn OK NOOP completed", await reader.CommandAsync("n", "NOOP"));
        Assert.Equal("* 2 EXISTS\r\n* 0 RECENT\r\nn OK NOOP completed", await writer.CommandAsync("n", "NOOP"));
        Assert.Equal("* SEARCH 2\r\na OK UID SEARCH completed", await reader.CommandAsync("a", "UID SEARCH RECENT UID 2"));

        // A session that appends to the mailbox it has selected learns of the message first.
        string append = await ImapServerFixture.AppendAsync(writer, "INBOX", ImapServerFixture.Message("own"));
        Assert.StartsWith("* 3 EXISTS\r\n* 1 RECENT\r\n", append, StringComparison.Ordinal);
        Assert.Equal("* 3 EXISTS\r\n* 2 RECENT\r\nn2 OK NOOP completed", await reader.CommandAsync("n2", "NOOP"));
    }

    [Fact]
    public async Task IMAP4rev2_sessions_get_no_RECENT_responses()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.LoginAsync(_server.Port, user);
        await wire.CommandAsync("en", "ENABLE IMAP4rev2");
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("rev2"));
        Assert.DoesNotContain("RECENT", await wire.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        await using var other = await ImapWire.LoginAsync(_server.Port, user);
        await ImapServerFixture.AppendAsync(other, "INBOX", ImapServerFixture.Message("rev2 again"));
        Assert.Equal("* 2 EXISTS\r\nn OK NOOP completed", await wire.CommandAsync("n", "NOOP"));
        Assert.Equal("* 2 FETCH (FLAGS ())\r\nf OK FETCH completed", await wire.CommandAsync("f", "FETCH 2 FLAGS"));
    }
}
