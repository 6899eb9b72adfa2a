using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>SORT and THREAD (RFC 5256) with DISPLAYFROM/DISPLAYTO (RFC 5957) over the wire.</summary>
public sealed class ImapSortThreadTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapSortThreadTests(ImapServerFixture server)
    {
        _server = server;
    }

    private static async Task AppendAsync(ImapWire wire, string message, string internalDate)
    {
        int length = System.Text.Encoding.UTF8.GetByteCount(message);
        await wire.SendAsync($"AP APPEND INBOX \"{internalDate}\" {{{length}+}}\r\n{message}\r\n");
        Assert.StartsWith("AP OK", await wire.ReadTaggedAsync("AP"), StringComparison.Ordinal);
    }

    /// <summary>Three messages whose keys order them differently: each sort key has its own answer.</summary>
    private async Task<ImapWire> SortableMailboxAsync()
    {
        var wire = await _server.LoginAsync();
        await AppendAsync(wire, "From: Zed <zed@example.org>\r\nTo: yves@local.test\r\nSubject: Re: [list] Fwd: banana (fwd)\r\nDate: Tue, 3 Jan 2023 10:00:00 +0000\r\n\r\n" + new string('m', 200) + "\r\n", "05-Jan-2023 10:00:00 +0000");
        await AppendAsync(wire, "From: Amy <amy@example.org>\r\nTo: Bob <bob@local.test>\r\nCc: carl@example.org\r\nSubject: apple\r\nDate: Sun, 1 Jan 2023 10:00:00 +0000\r\n\r\n" + new string('l', 400) + "\r\n", "04-Jan-2023 10:00:00 +0000");
        await AppendAsync(wire, "From: mike@example.org\r\nTo: zoe@local.test\r\nSubject: =?UTF-8?Q?Cherry?=\r\n\r\nshort\r\n", "02-Jan-2023 12:00:00 +0000");
        await wire.CommandAsync("s", "SELECT INBOX");
        return wire;
    }

    [Theory]
    [InlineData("SUBJECT", "2 1 3")]
    [InlineData("REVERSE SUBJECT", "3 1 2")]
    [InlineData("DATE", "2 3 1")]
    [InlineData("REVERSE DATE", "1 3 2")]
    [InlineData("ARRIVAL", "3 2 1")]
    [InlineData("FROM", "2 3 1")]
    [InlineData("TO", "2 1 3")]
    [InlineData("CC", "1 3 2")]
    [InlineData("CC SIZE", "3 1 2")]
    [InlineData("SIZE", "3 1 2")]
    [InlineData("REVERSE SIZE", "2 1 3")]
    [InlineData("DISPLAYFROM", "2 3 1")]
    [InlineData("DISPLAYTO", "2 1 3")]
    public async Task SORT_orders_by_each_key(string program, string expected)
    {
        await using var wire = await SortableMailboxAsync();
        Assert.Equal($"* SORT {expected}\r\na OK SORT completed", await wire.CommandAsync("a", $"SORT ({program}) UTF-8 ALL"));
    }

    [Fact]
    public async Task UID_SORT_answers_with_UIDs_of_the_matching_messages_and_takes_the_saved_result()
    {
        await using var wire = await SortableMailboxAsync();
        await wire.CommandAsync("x", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await wire.CommandAsync("y", "EXPUNGE");
        Assert.Equal("* SORT 3 2\r\na1 OK UID SORT completed", await wire.CommandAsync("a1", "UID SORT (REVERSE SUBJECT) US-ASCII ALL"));
        Assert.Equal("* SORT 3\r\na2 OK UID SORT completed", await wire.CommandAsync("a2", "UID SORT (SUBJECT) US-ASCII NOT SUBJECT apple"));
        Assert.Equal("* SORT 2 1\r\na6 OK SORT completed", await wire.CommandAsync("a6", "SORT (ARRIVAL) utf-8 ALL"));
        await wire.CommandAsync("a3", "SEARCH RETURN (SAVE) FROM amy");
        Assert.Equal("* SORT 2\r\na4 OK UID SORT completed", await wire.CommandAsync("a4", "UID SORT (DATE) UTF-8 $"));
        Assert.Equal("* SORT\r\na5 OK SORT completed", await wire.CommandAsync("a5", "SORT (DATE) UTF-8 SUBJECT nothing-like-this"));
    }

    [Theory]
    [InlineData("SORT (BOGUS) UTF-8 ALL")]
    [InlineData("SORT (REVERSE) UTF-8 ALL")]
    [InlineData("SORT (REVERSE REVERSE DATE) UTF-8 ALL")]
    [InlineData("SORT () UTF-8 ALL")]
    [InlineData("SORT SUBJECT UTF-8 ALL")]
    [InlineData("SORT (SUBJECT UTF-8 ALL")]
    [InlineData("SORT (SUBJECT) UTF-8")]
    [InlineData("SORT (SUBJECT) UTF-8 NOSUCHKEY")]
    [InlineData("SORT")]
    [InlineData("THREAD BOGUS UTF-8 ALL")]
    [InlineData("THREAD REFERENCES UTF-8")]
    [InlineData("THREAD (REFERENCES) UTF-8 ALL")]
    [InlineData("UID THREAD")]
    public async Task Malformed_SORT_and_THREAD_get_BAD(string command)
    {
        await using var wire = await SortableMailboxAsync();
        Assert.StartsWith("a BAD", await wire.CommandAsync("a", command), StringComparison.Ordinal);
        Assert.Equal("* SORT 2 1 3\r\nb OK SORT completed", await wire.CommandAsync("b", "SORT (SUBJECT) UTF-8 ALL"));
    }

    [Fact]
    public async Task Unknown_charset_gets_NO_BADCHARSET_and_commands_need_a_selected_mailbox()
    {
        await using var wire = await SortableMailboxAsync();
        Assert.Equal("a1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await wire.CommandAsync("a1", "SORT (DATE) ISO-8859-1 ALL"));
        Assert.Equal("a2 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await wire.CommandAsync("a2", "THREAD REFERENCES KOI8-R ALL"));
        await wire.CommandAsync("u", "UNSELECT");
        Assert.Equal("a3 BAD SORT is not allowed now", await wire.CommandAsync("a3", "SORT (DATE) UTF-8 ALL"));
        Assert.Equal("a4 BAD THREAD is not allowed now", await wire.CommandAsync("a4", "THREAD REFERENCES UTF-8 ALL"));
        string capability = await wire.CommandAsync("c", "CAPABILITY");
        Assert.Contains(" SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ", capability, StringComparison.Ordinal);
    }

    [Fact]
    public async Task THREAD_builds_reference_trees_and_subject_threads()
    {
        await using var wire = await _server.LoginAsync();
        static string Mail(string id, string subject, int day, string extra = "") =>
            $"From: a@example.org\r\nSubject: {subject}\r\nDate: {day} Mar 2024 09:00:00 +0000\r\nMessage-ID: <{id}@example.org>\r\n{extra}\r\nbody\r\n";
        await AppendAsync(wire, Mail("root", "Plans", 1), "01-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, Mail("other", "Lunch", 2), "02-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, Mail("r1", "Re: Plans", 3, "In-Reply-To: <root@example.org>\r\n"), "03-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, Mail("r2", "Re: Plans", 4, "References: <root@example.org> <lost@example.org>\r\n"), "04-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, Mail("r3", "Re: Re: Plans", 5, "References: <root@example.org> <r1@example.org>\r\n"), "05-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, Mail("late", "RE: lunch", 6), "06-Mar-2024 09:00:00 +0000");
        await wire.CommandAsync("s", "SELECT INBOX");

        Assert.Equal("* THREAD (1 (3 5)(4))(2 6)\r\na1 OK THREAD completed", await wire.CommandAsync("a1", "THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal("* THREAD (1 (3)(4)(5))(2 6)\r\na2 OK THREAD completed", await wire.CommandAsync("a2", "THREAD ORDEREDSUBJECT UTF-8 ALL"));
        Assert.Equal("* THREAD ((3 5)(4))\r\na3 OK UID THREAD completed", await wire.CommandAsync("a3", "UID THREAD REFERENCES US-ASCII SUBJECT re NOT UID 6"));
        Assert.Equal("* THREAD\r\na4 OK THREAD completed", await wire.CommandAsync("a4", "THREAD REFERENCES UTF-8 SUBJECT nothing-like-this"));
    }

    [Fact]
    public async Task THREAD_REFERENCES_recomputes_summaries_stored_before_they_kept_References()
    {
        string user = await _server.NewUserAsync();
        await using var wire = await ImapWire.LoginAsync(_server.Port, user);
        await AppendAsync(wire, "Subject: Start\r\nMessage-ID: <p@example.org>\r\nDate: 1 Mar 2024 09:00:00 +0000\r\n\r\nbody\r\n", "01-Mar-2024 09:00:00 +0000");
        await AppendAsync(wire, "Subject: Something else\r\nMessage-ID: <c@example.org>\r\nReferences: <p@example.org>\r\nDate: 2 Mar 2024 09:00:00 +0000\r\n\r\nbody\r\n", "02-Mar-2024 09:00:00 +0000");
        await wire.CommandAsync("s", "SELECT INBOX");
        await wire.CommandAsync("f", "FETCH 1:* ENVELOPE");

        // Rewrite the cached summaries in the form stored before References was kept.
        var store = _server.Carrier.Server.Store;
        var mailbox = await _server.Carrier.MailboxAsync(user);
        var blobIds = (await store.Mailboxes.ListMessagesAsync(mailbox.Id, CancellationToken.None)).Select(m => m.BlobId).ToList();
        foreach (var (blobId, stored) in await store.Blobs.GetSummariesAsync(blobIds, CancellationToken.None))
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(stored)!.AsObject();
            Assert.True(json.Remove("References"));
            await store.Blobs.SetSummaryAsync(blobId, json.ToJsonString(), CancellationToken.None);
        }

        Assert.Equal("* THREAD (1 2)\r\na1 OK THREAD completed", await wire.CommandAsync("a1", "THREAD REFERENCES UTF-8 ALL"));
        var refreshed = await store.Blobs.GetSummariesAsync(blobIds, CancellationToken.None);
        Assert.All(refreshed.Values, stored => Assert.Contains("\"References\"", stored, StringComparison.Ordinal));
    }
}
