namespace Carrier.Tests.Imap;

/// <summary>FETCH of the message model (ENVELOPE, BODYSTRUCTURE, sections, BINARY) and SEARCH of text.</summary>
public sealed class ImapFetchTests : IClassFixture<ImapServerFixture>
{
    private const string Multipart =
        "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.org>\r\n" +
        "To: bob@local.test\r\n" +
        "Subject: Quarterly report\r\n" +
        "Date: Tue, 8 Feb 2022 10:00:00 +0100\r\n" +
        "Message-ID: <report@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
        "\r\n" +
        "--b1\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Gr=C3=BC=C3=9Fe, the numbers are attached.\r\n" +
        "--b1\r\n" +
        "Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "AAECAwQ=\r\n" +
        "--b1--\r\n";

    private readonly ImapServerFixture _server;

    public ImapFetchTests(ImapServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task ENVELOPE_and_BODYSTRUCTURE_describe_the_message()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", Multipart);
        await wire.CommandAsync("s", "SELECT INBOX");
        string fetch = await wire.CommandAsync("f", "FETCH 1 (ENVELOPE BODYSTRUCTURE)");
        Assert.Contains("ENVELOPE (\"Tue, 8 Feb 2022 10:00:00 +0100\" \"Quarterly report\" ((", fetch, StringComparison.Ordinal);
        Assert.Contains("\"juergen\" \"example.org\"", fetch, StringComparison.Ordinal);
        Assert.Contains("\"<report@example.org>\"", fetch, StringComparison.Ordinal);
        Assert.Contains("BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\"", fetch, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"mixed\" (\"boundary\" \"b1\")", fetch, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("f OK FETCH completed", fetch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sections_header_fields_and_BINARY_return_the_named_octets()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", Multipart);
        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith(
            "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {29}\r\nSubject: Quarterly report\r\n\r\n)",
            await wire.CommandAsync("f1", "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]"),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "* 1 FETCH (BODY[1] {42}\r\nGr=C3=BC=C3=9Fe, the numbers are attached.)",
            await wire.CommandAsync("f2", "FETCH 1 BODY.PEEK[1]"),
            StringComparison.Ordinal);
        Assert.StartsWith("* 1 FETCH (BINARY.SIZE[2] 5)", await wire.CommandAsync("f3", "FETCH 1 BINARY.SIZE[2]"), StringComparison.Ordinal);
        Assert.StartsWith("* 1 FETCH (BINARY[2] ~{5}\r\n\0\u0001\u0002\u0003\u0004", await wire.CommandAsync("f4", "FETCH 1 BINARY.PEEK[2]"), StringComparison.Ordinal);
        Assert.Equal("f5 BAD Invalid section [1.BOGUS]", await wire.CommandAsync("f5", "FETCH 1 BODY[1.BOGUS]"));
        Assert.StartsWith("* 1 FETCH (BODY[3] \"\"", (await wire.CommandAsync("f6", "FETCH 1 BODY.PEEK[3]")).Replace("{0}\r\n", "\"\"", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("\\Seen", await wire.CommandAsync("f7", "FETCH 1 FLAGS"), StringComparison.Ordinal);
        string header = await wire.CommandAsync("f8", "FETCH 1 RFC822.HEADER");
        Assert.Contains("Subject: Quarterly report", header, StringComparison.Ordinal);
        Assert.DoesNotContain("numbers are attached", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SEARCH_matches_decoded_header_and_body_text()
    {
        await using var wire = await _server.LoginAsync();
        await ImapServerFixture.AppendAsync(wire, "INBOX", Multipart);
        await ImapServerFixture.AppendAsync(wire, "INBOX", ImapServerFixture.Message("Lunch on Friday", "Pizza or sushi?"));
        await wire.CommandAsync("s", "SELECT INBOX");
        Assert.Equal("* SEARCH 1\r\na1 OK SEARCH completed", await wire.CommandAsync("a1", "SEARCH FROM \"jürgen\""));
        Assert.Equal("* SEARCH 1\r\na2 OK SEARCH completed", await wire.CommandAsync("a2", "SEARCH CHARSET UTF-8 BODY \"grüße\""));
        Assert.Equal("* SEARCH 2\r\na3 OK SEARCH completed", await wire.CommandAsync("a3", "SEARCH SUBJECT lunch"));
        Assert.Equal("* SEARCH 2\r\na4 OK SEARCH completed", await wire.CommandAsync("a4", "SEARCH TEXT SUSHI"));
        Assert.Equal("* SEARCH 1\r\na5 OK SEARCH completed", await wire.CommandAsync("a5", "SEARCH SENTON 8-Feb-2022"));
        Assert.Equal("* SEARCH 1 2\r\na6 OK SEARCH completed", await wire.CommandAsync("a6", "SEARCH HEADER Message-ID \"\""));
        Assert.Equal("a7 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", await wire.CommandAsync("a7", "SEARCH CHARSET KOI8-R TEXT x"));
        Assert.Equal("a8 BAD Unknown search key BOGUS", await wire.CommandAsync("a8", "SEARCH BOGUS"));
        Assert.Equal("* SEARCH\r\na9 OK SEARCH completed", await wire.CommandAsync("a9", "SEARCH SINCE 1-Jan-2100"));
    }
}
