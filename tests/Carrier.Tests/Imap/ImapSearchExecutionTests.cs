using System.Text;
using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>
/// How SEARCH computes its answer (from the session's message list, from headers alone, or from whole messages),
/// MULTIAPPEND, and sessions that share one message list until one of them changes it.
/// </summary>
public sealed class ImapSearchExecutionTests : IClassFixture<ImapServerFixture>
{
    // A BODY key forces the search to parse whole messages; this text is in none of them.
    private const string WholeMessages = "NOT BODY \"zq-absent-zq\"";

    private readonly ImapServerFixture _server;

    public ImapSearchExecutionTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task Header_and_metadata_keys_give_the_same_messages_as_a_search_of_whole_messages()
    {
        await using var wire = await _server.LoginAsync();
        var corpus = new[]
        {
            ImapServerFixture.Message("Quarterly report", "numbers"),
            "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.org>\r\nTo: dev@lists.example.org\r\nSubject: =?utf-8?q?Caf=C3=A9_meeting?=\r\n" +
                "List-Id: Dev <dev.lists.example.org>\r\nDate: Tue, 1 Mar 2026 10:00:00 +0100\r\n\r\nreport inside the body only\r\n",
            // Larger than the inline limit: the content is a file, not a database row.
            "From: big@example.org\r\nSubject: invoice attached\r\nDate: Wed, 2 Mar 2026 10:00:00 +0000\r\n\r\n" + new string('x', 100_000) + "\r\n",
            // A header longer than the part read for header searches: read again with the whole message.
            string.Concat(Enumerable.Range(0, 400).Select(i => $"Received: from relay{i}.example.net by mx.example.org\r\n")) +
                "From: far@example.org\r\nSubject: long way report\r\nMessage-ID: <corpus.77@example.org>\r\n\r\nbody\r\n",
            "Subject: no date, no from\r\n\r\nmeeting notes\r\n",
        };
        foreach (string message in corpus)
        {
            Assert.StartsWith("AP OK", await ImapServerFixture.AppendAsync(wire, "INBOX", message), StringComparison.Ordinal);
        }

        await wire.CommandAsync("s", "SELECT INBOX");
        await wire.CommandAsync("f", "STORE 2,4 +FLAGS.SILENT (\\Flagged)");
        string[] keys =
        [
            "SUBJECT report", "SUBJECT \"café\"", "FROM example.org", "FROM \"jürgen\"", "HEADER List-Id dev", "HEADER Message-ID \"corpus.77@\"",
            "HEADER Received relay399", "SENTSINCE 1-Mar-2026", "SENTBEFORE 2-Mar-2026", "FLAGGED", "UNFLAGGED SUBJECT report",
            "OR SUBJECT meeting SUBJECT invoice", "NOT FROM example.org", "LARGER 50000", "UID 2:4 HEADER Subject \"\"",
        ];
        int nonEmpty = 0;
        foreach (string key in keys)
        {
            string fromHeaders = Numbers(await wire.CommandAsync("a", $"UID SEARCH CHARSET UTF-8 {key}"));
            string fromWhole = Numbers(await wire.CommandAsync("b", $"UID SEARCH CHARSET UTF-8 {key} {WholeMessages}"));
            Assert.False(fromHeaders.StartsWith('('), $"{key}: {fromHeaders}");
            Assert.True(fromHeaders == fromWhole, $"{key}: {fromHeaders} against {fromWhole}");
            nonEmpty += fromHeaders.Length > 0 ? 1 : 0;
        }

        Assert.Equal("1 2 3 4", Numbers(await wire.CommandAsync("c", "UID SEARCH FROM example.org")));
        Assert.Equal("4", Numbers(await wire.CommandAsync("d", "UID SEARCH HEADER Received relay399")));
        Assert.True(nonEmpty >= keys.Length - 1, $"only {nonEmpty} keys matched anything");
    }

    [Fact]
    public async Task A_message_MimeKit_cannot_read_is_appended_and_found_by_its_header_and_its_text()
    {
        await using var wire = await _server.LoginAsync();
        const string message = " From: folded@example.org\r\nSubject: unreadable report\r\n\r\nbody\r\n";
        Assert.StartsWith("AP OK [APPENDUID", await ImapServerFixture.AppendAsync(wire, "INBOX", message), StringComparison.Ordinal);

        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.Equal("* SEARCH 1\r\na1 OK SEARCH completed", await wire.CommandAsync("a1", "SEARCH SUBJECT unreadable"));
        Assert.Contains("Subject: unreadable report", await wire.CommandAsync("a2", "FETCH 1 BODY.PEEK[HEADER]"), StringComparison.Ordinal);

        // BODY and TEXT read it as written, and a readable message beside it is still found.
        Assert.Contains("* 2 EXISTS", await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("plainly parsed")), StringComparison.Ordinal);
        Assert.Equal("* SEARCH 1\r\na3 OK SEARCH completed", await wire.CommandAsync("a3", "SEARCH BODY body"));
        Assert.Equal("* SEARCH 1\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH TEXT folded@example.org"));
        Assert.Equal("* SEARCH\r\na5 OK SEARCH completed", await wire.CommandAsync("a5", "SEARCH BODY nowhere-to-be-found"));
        Assert.Equal("* SEARCH 2\r\na6 OK SEARCH completed", await wire.CommandAsync("a6", "SEARCH TEXT plainly"));
    }

    [Fact]
    public async Task MULTIAPPEND_appends_every_message_or_none()
    {
        await using var wire = await _server.LoginAsync();
        Assert.Contains(" MULTIAPPEND", await wire.CommandAsync("c", "CAPABILITY"), StringComparison.Ordinal);
        string one = ImapServerFixture.Message("first of two");
        string two = ImapServerFixture.Message("second of two");
        string reply = await AppendManyAsync(wire, "a1", $"APPEND INBOX (\\Seen) {{{Length(one)}+}}\r\n{one} (\\Flagged) \"01-Mar-2026 10:00:00 +0000\" {{{Length(two)}+}}\r\n{two}");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1:2\] APPEND completed$", reply);

        await wire.CommandAsync("s", "SELECT INBOX");
        string fetched = await wire.CommandAsync("f", "FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        // Appended mail is \Recent to the first session that selects the mailbox (RFC 3501 §2.3.2).
        Assert.Contains("* 1 FETCH (FLAGS (\\Seen \\Recent)", fetched, StringComparison.Ordinal);
        Assert.Contains("* 2 FETCH (FLAGS (\\Flagged \\Recent) INTERNALDATE \"01-Mar-2026 10:00:00 +0000\"", fetched, StringComparison.Ordinal);
        Assert.Contains("Subject: second of two", fetched, StringComparison.Ordinal);
        Assert.Contains("ENVELOPE (\"Mon, 7 Feb 2022 21:52:25 -0800\" \"first of two\"", await wire.CommandAsync("e", "FETCH 1 ENVELOPE"), StringComparison.Ordinal);

        string bad = await AppendManyAsync(wire, "a2", $"APPEND INBOX {{{Length(one)}+}}\r\n{one} (\\Bogus) {{{Length(two)}+}}\r\n{two}");
        Assert.StartsWith("a2 BAD", bad, StringComparison.Ordinal);
        string empty = await AppendManyAsync(wire, "a3", $"APPEND INBOX {{{Length(one)}+}}\r\n{one} {{0+}}\r\n");
        Assert.StartsWith("a3 NO", empty, StringComparison.Ordinal);
        Assert.StartsWith("a4 NO [TRYCREATE]", await AppendManyAsync(wire, "a4", $"APPEND Nowhere {{{Length(one)}+}}\r\n{one} {{{Length(two)}+}}\r\n{two}"), StringComparison.Ordinal);
        Assert.Equal("* SEARCH 1 2\r\nn OK SEARCH completed", await wire.CommandAsync("n", "SEARCH ALL"));
    }

    [Fact]
    public async Task Sessions_sharing_a_message_list_keep_their_own_view_when_one_changes_it()
    {
        string user = await _server.NewUserAsync();
        await using var first = await ImapWire.LoginAsync(_server.Port, user);
        await using var second = await ImapWire.LoginAsync(_server.Port, user);
        await using var third = await ImapWire.LoginAsync(_server.Port, user);
        for (int i = 1; i <= 3; i++)
        {
            await ImapServerFixture.AppendAsync(first, "INBOX", ImapServerFixture.Message($"m{i}"));
        }

        Assert.Contains("* 3 EXISTS", await first.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        Assert.Contains("* 3 EXISTS", await second.CommandAsync("s", "SELECT INBOX"), StringComparison.Ordinal);
        await first.CommandAsync("a1", "STORE 2 +FLAGS.SILENT (\\Deleted \\Seen)");
        Assert.Contains("* 2 EXPUNGE", await first.CommandAsync("a2", "EXPUNGE"), StringComparison.Ordinal);
        Assert.Equal("* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 3)\r\na3 OK FETCH completed", await first.CommandAsync("a3", "FETCH 1:* UID"));

        // The second session has not been told yet: its numbers still include the removed message.
        string stale = await second.CommandAsync("b1", "FETCH 1:3 UID");
        Assert.Contains("* 3 FETCH (UID 3)", stale, StringComparison.Ordinal);
        Assert.DoesNotContain("EXPUNGE", stale, StringComparison.Ordinal);

        // A session that selects now gets the mailbox as it is.
        string select = await third.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select, StringComparison.Ordinal);
        Assert.Contains("* OK [UNSEEN 1]", select, StringComparison.Ordinal);

        Assert.Contains("* 2 EXPUNGE", await second.CommandAsync("b2", "NOOP"), StringComparison.Ordinal);
        await second.CommandAsync("b3", "STORE 1 +FLAGS.SILENT (\\Answered)");
        Assert.Equal("* 1 FETCH (UID 1 FLAGS (\\Answered))\r\nc1 OK NOOP completed", await third.CommandAsync("c1", "NOOP"));
        // The first session to select claimed the messages as \Recent.
        Assert.Equal("* 1 FETCH (UID 1 FLAGS (\\Answered \\Recent))\r\na4 OK NOOP completed", await first.CommandAsync("a4", "NOOP"));
        foreach (var wire in new[] { first, second, third })
        {
            Assert.Equal("* SEARCH 1 3\r\nu OK UID SEARCH completed", await wire.CommandAsync("u", "UID SEARCH ALL"));
        }
    }

    private static int Length(string text) => Encoding.UTF8.GetByteCount(text);

    private static async Task<string> AppendManyAsync(ImapWire wire, string tag, string command)
    {
        await wire.SendAsync($"{tag} {command}\r\n");
        return await wire.ReadTaggedAsync(tag);
    }

    private static string Numbers(string response) =>
        response.Split("\r\n")[0] is { } first && first.StartsWith("* SEARCH", StringComparison.Ordinal) ? first["* SEARCH".Length..].Trim() : $"({response})";
}
