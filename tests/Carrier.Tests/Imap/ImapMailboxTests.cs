namespace Carrier.Tests.Imap;

public sealed class ImapMailboxTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapMailboxTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task CREATE_RENAME_DELETE_and_subscriptions_follow_the_hierarchy_rules()
    {
        await using var wire = await _server.LoginAsync();
        Assert.Equal("a1 OK CREATE completed", await wire.CommandAsync("a1", "CREATE Projects/2024/Q1"));
        Assert.Equal("a2 NO [ALREADYEXISTS] Mailbox already exists", await wire.CommandAsync("a2", "CREATE Projects"));
        Assert.Equal("a3 NO [ALREADYEXISTS] Mailbox already exists", await wire.CommandAsync("a3", "CREATE inbox"));
        string children = await wire.CommandAsync("a4", "LIST Projects/ %");
        Assert.Equal("* LIST (\\HasChildren) \"/\" Projects/2024\r\na4 OK LIST completed", children);

        Assert.Equal("a5 OK RENAME completed", await wire.CommandAsync("a5", "RENAME Projects Work"));
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" Work/2024/Q1", await wire.CommandAsync("a6", "LIST \"\" Work/*"), StringComparison.Ordinal);
        Assert.Equal("a7 NO [HASCHILDREN] The mailbox has children; delete them first", await wire.CommandAsync("a7", "DELETE Work"));
        Assert.Equal("a8 NO [NONEXISTENT] No such mailbox", await wire.CommandAsync("a8", "DELETE Projects"));
        Assert.Equal("a9 NO [CANNOT] INBOX cannot be deleted", await wire.CommandAsync("a9", "DELETE INBOX"));
        Assert.Equal("b1 NO [CANNOT] A mailbox cannot be moved below itself", await wire.CommandAsync("b1", "RENAME Work Work/Sub"));

        Assert.Equal("b2 OK SUBSCRIBE completed", await wire.CommandAsync("b2", "SUBSCRIBE Work/2024"));
        Assert.Contains("* LSUB () \"/\" Work/2024\r\n", await wire.CommandAsync("b3", "LSUB \"\" Work*"), StringComparison.Ordinal);
        Assert.Contains("* LIST (\\HasChildren \\Subscribed) \"/\" Work/2024\r\n", await wire.CommandAsync("b4", "LIST (SUBSCRIBED) \"\" Work*"), StringComparison.Ordinal);
        Assert.Equal("b5 OK UNSUBSCRIBE completed", await wire.CommandAsync("b5", "UNSUBSCRIBE Work/2024"));
        Assert.DoesNotContain("Work/2024\r\n", await wire.CommandAsync("b6", "LSUB \"\" Work*"), StringComparison.Ordinal);

        Assert.Equal("b7 OK DELETE completed", await wire.CommandAsync("b7", "DELETE Work/2024/Q1"));
        Assert.Equal("* LIST (\\HasNoChildren) \"/\" Work/2024\r\nb8 OK LIST completed", await wire.CommandAsync("b8", "LIST Work/ *"));
    }

    [Fact]
    public async Task Renaming_INBOX_moves_its_messages_and_leaves_it_empty()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("keep me"));
        Assert.Equal("a1 OK RENAME completed", await wire.CommandAsync("a1", "RENAME INBOX Old-Inbox"));
        Assert.Equal("* STATUS INBOX (MESSAGES 0)\r\na2 OK STATUS completed", await wire.CommandAsync("a2", "STATUS INBOX (MESSAGES)"));
        Assert.Equal("* STATUS Old-Inbox (MESSAGES 1)\r\na3 OK STATUS completed", await wire.CommandAsync("a3", "STATUS Old-Inbox (MESSAGES)"));
    }

    [Fact]
    public async Task Mailbox_names_travel_in_modified_UTF7_and_in_UTF8_after_ENABLE()
    {
        await using var wire = await _server.LoginAsync();
        Assert.Equal("a1 OK CREATE completed", await wire.CommandAsync("a1", "CREATE \"Entw&APw-rfe\""));
        Assert.Contains("\"/\" Entw&APw-rfe", await wire.CommandAsync("a2", "LIST \"\" Entw*"), StringComparison.Ordinal);
        Assert.StartsWith("* ENABLED UTF8=ACCEPT", await wire.CommandAsync("a3", "ENABLE UTF8=ACCEPT"), StringComparison.Ordinal);
        Assert.Contains("\"/\" \"Entwürfe\"", await wire.CommandAsync("a4", "LIST \"\" Entw*"), StringComparison.Ordinal);
        Assert.Equal("a5 OK CREATE completed", await wire.CommandAsync("a5", "CREATE \"日本語\""));
        Assert.Contains("* STATUS \"日本語\" (MESSAGES 0)", await wire.CommandAsync("a6", "STATUS \"日本語\" (MESSAGES)"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task STATUS_reports_counts_sizes_and_identity()
    {
        await using var wire = await _server.LoginAsync();
        string message = ImapServerFixture.Message("status");
        await ImapServerFixture.AppendAsync(wire, "Archive", message, "\\Seen");
        await ImapServerFixture.AppendAsync(wire, "Archive", message, "\\Deleted");
        string status = await wire.CommandAsync("a1", "STATUS Archive (MESSAGES UIDNEXT UNSEEN DELETED SIZE RECENT)");
        Assert.Equal($"* STATUS Archive (MESSAGES 2 UIDNEXT 3 UNSEEN 1 DELETED 1 SIZE {2 * System.Text.Encoding.UTF8.GetByteCount(message)} RECENT 2)\r\na1 OK STATUS completed", status);
        Assert.Equal("a2 NO [NONEXISTENT] No such mailbox", await wire.CommandAsync("a2", "STATUS Nowhere (MESSAGES)"));
        Assert.StartsWith("a3 BAD Syntax", await wire.CommandAsync("a3", "STATUS Archive (BOGUS)"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task COPY_and_MOVE_report_COPYUID_and_MOVE_expunges_from_the_source()
    {
        await using var wire = await _server.LoginAsync();
        for (int i = 0; i < 3; i++)
        {
            await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message($"m{i}"));
        }

        string select = await wire.CommandAsync("s", "SELECT Archive");
        string archiveValidity = System.Text.RegularExpressions.Regex.Match(select, @"UIDVALIDITY (\d+)").Groups[1].Value;
        await wire.CommandAsync("s2", "SELECT INBOX");
        Assert.Equal($"c1 OK [COPYUID {archiveValidity} 1:2 1:2] COPY completed", await wire.CommandAsync("c1", "COPY 1:2 Archive"));
        Assert.Equal("c2 NO [TRYCREATE] No such mailbox", await wire.CommandAsync("c2", "COPY 1 Nowhere"));
        string move = await wire.CommandAsync("c3", "UID MOVE 2:3 Archive");
        Assert.Equal($"* OK [COPYUID {archiveValidity} 2:3 3:4] Moved\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nc3 OK UID MOVE completed", move);
        Assert.Equal("* STATUS Archive (MESSAGES 4)\r\nc4 OK STATUS completed", await wire.CommandAsync("c4", "STATUS Archive (MESSAGES)"));
    }

    [Fact]
    public async Task EXAMINE_is_read_only_and_does_not_set_seen()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("read only"));
        Assert.EndsWith("e OK [READ-ONLY] EXAMINE completed", await wire.CommandAsync("e", "EXAMINE INBOX"), StringComparison.Ordinal);
        Assert.DoesNotContain("\\Seen", await wire.CommandAsync("a1", "FETCH 1 (BODY[] FLAGS)"), StringComparison.Ordinal);
        Assert.Equal("a2 NO [READ-ONLY] The mailbox is read-only", await wire.CommandAsync("a2", "STORE 1 +FLAGS (\\Deleted)"));
        Assert.Equal("a3 NO [READ-ONLY] The mailbox is read-only", await wire.CommandAsync("a3", "EXPUNGE"));
        Assert.Equal("a4 OK UNSELECT completed", await wire.CommandAsync("a4", "UNSELECT"));
        Assert.Equal("a5 BAD FETCH is not allowed now", await wire.CommandAsync("a5", "FETCH 1 FLAGS"));
    }

    [Fact]
    public async Task CLOSE_expunges_deleted_messages_silently()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("gone"), "\\Deleted");
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("stays"));
        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.Equal("a1 OK CLOSE completed", await wire.CommandAsync("a1", "CLOSE"));
        Assert.Equal("* STATUS INBOX (MESSAGES 1)\r\na2 OK STATUS completed", await wire.CommandAsync("a2", "STATUS INBOX (MESSAGES)"));
    }

    [Fact]
    public async Task ENABLE_ID_and_NAMESPACE_answer_as_the_RFCs_say()
    {
        await using var wire = await _server.LoginAsync();
        Assert.Equal("* ENABLED CONDSTORE IMAP4rev2\r\na1 OK ENABLE completed", await wire.CommandAsync("a1", "ENABLE CONDSTORE IMAP4rev2 X-UNKNOWN"));
        Assert.Equal("* ID (\"name\" \"Carrier\" \"vendor\" \"Carrier\")\r\na2 OK ID completed", await wire.CommandAsync("a2", "ID (\"name\" \"test\" \"version\" NIL)"));
        Assert.Equal("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\na3 OK NAMESPACE completed", await wire.CommandAsync("a3", "NAMESPACE"));
        string select = await wire.CommandAsync("a4", "SELECT INBOX");
        Assert.Contains("* OK [HIGHESTMODSEQ ", select, StringComparison.Ordinal);
        Assert.Contains("* LIST () \"/\" INBOX", select, StringComparison.Ordinal);
        Assert.DoesNotContain("RECENT", select, StringComparison.Ordinal);
        Assert.Equal("* ESEARCH (TAG \"a5\") UID\r\na5 OK UID SEARCH completed", await wire.CommandAsync("a5", "UID SEARCH ALL"));
    }
}
