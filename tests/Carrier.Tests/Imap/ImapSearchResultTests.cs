using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>SEARCHRES (RFC 5182): SEARCH RETURN (SAVE) and "$" in the commands that take a sequence set.</summary>
public sealed class ImapSearchResultTests : IClassFixture<ImapServerFixture>
{
    private readonly ImapServerFixture _server;

    public ImapSearchResultTests(ImapServerFixture server)
    {
        _server = server;
    }

    private async Task<ImapWire> MailboxOfFiveAsync()
    {
        var wire = await _server.LoginAsync();
        foreach (string subject in new[] { "apple", "banana", "apple pie", "cherry", "apple tart" })
        {
            await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message(subject));
        }

        await wire.CommandAsync("s", "SELECT INBOX");
        return wire;
    }

    [Fact]
    public async Task Dollar_before_any_SAVE_names_no_message()
    {
        await using var wire = await MailboxOfFiveAsync();
        Assert.Equal("a1 OK FETCH completed", await wire.CommandAsync("a1", "FETCH $ FLAGS"));
        Assert.Equal("* SEARCH\r\na2 OK SEARCH completed", await wire.CommandAsync("a2", "SEARCH $"));
        Assert.Equal("a3 OK UID STORE completed", await wire.CommandAsync("a3", "UID STORE $ +FLAGS (\\Flagged)"));
        Assert.Equal("* SEARCH\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH FLAGGED"));
    }

    [Fact]
    public async Task A_saved_result_feeds_FETCH_STORE_SEARCH_COPY_and_MOVE()
    {
        await using var wire = await MailboxOfFiveAsync();
        Assert.Equal("a1 OK SEARCH completed", await wire.CommandAsync("a1", "SEARCH RETURN (SAVE) SUBJECT apple"));
        Assert.Equal("* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\n* 5 FETCH (UID 5)\r\na2 OK FETCH completed", await wire.CommandAsync("a2", "FETCH $ (UID)"));
        Assert.Equal("a3 OK UID STORE completed", await wire.CommandAsync("a3", "UID STORE $ +FLAGS.SILENT (\\Flagged)"));
        Assert.Equal("* SEARCH 1 3 5\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH FLAGGED"));
        Assert.Equal("* SEARCH 3 5\r\na5 OK UID SEARCH completed", await wire.CommandAsync("a5", "UID SEARCH UID $ NOT 1"));
        Assert.Equal("* SEARCH 2 4\r\na6 OK SEARCH completed", await wire.CommandAsync("a6", "SEARCH NOT $"));
        Assert.StartsWith("a7 OK [COPYUID ", await wire.CommandAsync("a7", "COPY $ Archive"), StringComparison.Ordinal);
        Assert.Equal("* STATUS Archive (MESSAGES 3)\r\na8 OK STATUS completed", await wire.CommandAsync("a8", "STATUS Archive (MESSAGES)"));

        // The result is kept as UIDs: after an expunge "$" still names the same messages, at their new numbers.
        await wire.CommandAsync("b1", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await wire.CommandAsync("b2", "EXPUNGE");
        Assert.Equal("* 2 FETCH (UID 3)\r\n* 4 FETCH (UID 5)\r\nb3 OK FETCH completed", await wire.CommandAsync("b3", "FETCH $ (UID)"));
        string move = await wire.CommandAsync("b4", "UID MOVE $ Archive");
        Assert.Contains("* 4 EXPUNGE", move, StringComparison.Ordinal);
        Assert.Contains("* 2 EXPUNGE", move, StringComparison.Ordinal);
        Assert.Equal("* SEARCH 2 4\r\nb5 OK UID SEARCH completed", await wire.CommandAsync("b5", "UID SEARCH ALL"));
    }

    [Fact]
    public async Task SAVE_with_MIN_or_MAX_keeps_only_those_and_with_ALL_answers_as_well()
    {
        await using var wire = await MailboxOfFiveAsync();
        Assert.Equal("* ESEARCH (TAG \"a1\") MIN 1\r\na1 OK SEARCH completed", await wire.CommandAsync("a1", "SEARCH RETURN (SAVE MIN) SUBJECT apple"));
        Assert.Equal("* SEARCH 1\r\na2 OK SEARCH completed", await wire.CommandAsync("a2", "SEARCH $"));
        Assert.Equal("* ESEARCH (TAG \"a3\") MIN 1 MAX 5\r\na3 OK SEARCH completed", await wire.CommandAsync("a3", "SEARCH RETURN (MIN SAVE MAX) SUBJECT apple"));
        Assert.Equal("* SEARCH 1 5\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH $"));
        Assert.Equal("* ESEARCH (TAG \"a5\") UID MIN 3 COUNT 2\r\na5 OK UID SEARCH completed", await wire.CommandAsync("a5", "UID SEARCH RETURN (SAVE MIN COUNT) SUBJECT apple NOT UID 1"));
        Assert.Equal("* SEARCH 3 5\r\na6 OK SEARCH completed", await wire.CommandAsync("a6", "SEARCH $"));
    }

    [Fact]
    public async Task Failed_SAVE_empties_the_result_SELECT_resets_it_and_dollar_cannot_be_combined()
    {
        await using var wire = await MailboxOfFiveAsync();
        await wire.CommandAsync("a1", "SEARCH RETURN (SAVE) SUBJECT banana");
        Assert.Equal("* SEARCH 2\r\na2 OK SEARCH completed", await wire.CommandAsync("a2", "SEARCH $"));
        Assert.Equal("a3 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await wire.CommandAsync("a3", "SEARCH RETURN (SAVE) CHARSET KOI8-R SUBJECT apple"));
        Assert.Equal("* SEARCH\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH $"));

        await wire.CommandAsync("a5", "SEARCH RETURN (SAVE) ALL");
        await wire.CommandAsync("a6", "SELECT INBOX");
        Assert.Equal("a7 OK FETCH completed", await wire.CommandAsync("a7", "FETCH $ FLAGS"));

        Assert.StartsWith("a8 BAD", await wire.CommandAsync("a8", "FETCH $,1 FLAGS"), StringComparison.Ordinal);
        Assert.StartsWith("a9 BAD", await wire.CommandAsync("a9", "SEARCH RETURN (SAVE BOGUS) ALL"), StringComparison.Ordinal);
        Assert.Contains("SEARCHRES", await wire.CommandAsync("c", "CAPABILITY"), StringComparison.Ordinal);
    }
}
