using Carrier.Imap.Messages;
using static Carrier.Tests.Imap.Messages.SampleMessages;

namespace Carrier.Tests.Imap.Messages;

/// <summary>
/// SEARCH answers header keys from the top-level header alone; on every message and key here that must give the
/// same answer as the whole parsed message.
/// </summary>
public sealed class HeaderSearchAgreementTests
{
    private static readonly string[] Corpus =
    [
        Plain,
        Mixed,
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\r\nTo: =?koi8-r?B?8NLJ18XU?= <ivan@example.ru>\r\n" +
        "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= report\r\nDate: 8 Feb 2022 10:00 +0100\r\nList-Id: Dev list <dev.lists.example.org>\r\n\r\nbody\r\n",
        "Subject: a subject folded\r\n over two\r\n\tlines\r\nFrom:alice@example.org\r\nCC: Carol <carol@example.org>,\r\n  Dave <dave@example.org>\r\n" +
        "Date: not a date\r\nX-Empty:\r\nMessage-ID: <corpus.1000001@example.org>\r\n\r\nSubject: not a header, the body\r\n",
        "Received: from a\r\nReceived: from b\r\nSubject : spaced name\r\nDate: Tue, 01 Dec 2026 23:59:59 -1200\r\nDate: Wed, 02 Dec 2026 00:00:00 +0000\r\n\r\n",
        "From: bob@example.org\nSubject: bare line feeds\nDate: Mon, 7 Feb 2022 21:52:25 -0800\n\nbody\n",
        "Subject: no body at all\r\nFrom: eve@example.org\r\n",
        "Subject: =?utf-8?q?Caf=C3=A9?= =?utf-8?q?_au_lait?=\r\nTo: undisclosed-recipients:;\r\n\r\nbody\r\n",
        "Subject: a rep\r\n ort split by a fold\r\nFrom: \"Ali\"\"ce\" <ali@example.org>\r\nTo: (comment) bob@example.org\r\nX-Tab:\tcorpus.1000001@\r\n\r\n",
        "Subject: REPORT in capitals\r\nFrom: Alice\r\n  Example <alice@example.org>\r\nX-Empty: \r\n\r\n",
        "Subject: before a line without a colon\r\nthis line is not a field\r\nFrom: after@example.org\r\n\r\nbody\r\n",
        " From: starts folded@example.org\r\nSubject: report\r\nBad Name: x\r\nTo: to@example.org\r\n\r\n",
    ];

    private static readonly (string Field, string Value)[] Keys =
    [
        ("Subject", "report"), ("Subject", "café"), ("SUBJECT", "CAFÉ AU"), ("Subject", "folded over"), ("Subject", "over two"),
        ("Subject", "テスト"), ("Subject", "not a header"), ("Subject", string.Empty), ("From", "jürgen"), ("From", "example.org"),
        ("From", "=?UTF-8?Q?"), ("To", "Петя"), ("To", "ivan"), ("To", "undisclosed"), ("Cc", "dave@"), ("cc", "carol"),
        ("List-Id", "dev"), ("X-Empty", string.Empty), ("X-Missing", string.Empty), ("Message-ID", "corpus.1000001@"),
        ("Received", "from b"), ("Date", "2026"), ("Subject", "report"), ("From", "Alice"), ("From", "alice example"), ("To", "comment"),
        ("To", "bob@example.org"), ("X-Tab", "CORPUS"), ("Subject", "rEpOrT"), ("From", "ali\"\"ce"),
    ];

    [Fact]
    public async Task Header_keys_and_the_sent_date_agree_with_the_whole_message()
    {
        int compared = 0;
        int unparsable = 0;
        foreach (string message in Corpus)
        {
            byte[] octets = Bytes(message);
            MessageSearchText whole;
            try
            {
                whole = await MessageSearchText.LoadAsync(new MemoryStream(octets), CancellationToken.None);
            }
            catch (FormatException)
            {
                // MimeKit refuses a message that starts with a continuation line; the header alone still answers.
                Assert.StartsWith(" ", message, StringComparison.Ordinal);
                Assert.False(MessageSearchText.FromHeader(octets).HeaderContains("Subject", "nothing like it"));
                unparsable++;
                continue;
            }

            var header = MessageSearchText.FromHeader(octets.AsMemory(0, HeaderBlock.LengthOf(octets, out _)));
            foreach (var (field, value) in Keys)
            {
                Assert.True(
                    whole.HeaderContains(field, value) == header.HeaderContains(field, value),
                    $"{field} \"{value}\" in: {message}");
                compared++;
            }

            Assert.Equal(whole.SentDate, header.SentDate);
        }

        Assert.Equal((Corpus.Length - unparsable) * Keys.Length, compared);
        Assert.Equal(1, unparsable);
    }

    [Fact]
    public void Some_keys_match_so_the_agreement_is_not_only_on_false()
    {
        var header = MessageSearchText.FromHeader(Bytes(Corpus[2]));

        Assert.True(header.HeaderContains("From", "jürgen müller"), "From");
        Assert.True(header.HeaderContains("List-Id", "DEV.LISTS"), "List-Id");
        Assert.True(header.HeaderContains("Subject", "report"), "Subject");
        Assert.Equal(new DateTimeOffset(2022, 2, 8, 10, 0, 0, TimeSpan.FromHours(1)), header.SentDate);
        Assert.False(header.HeaderContains("Subject", "body"));
    }

    [Fact]
    public void The_header_ends_at_the_first_empty_line_or_with_the_input()
    {
        Assert.Equal(12, HeaderBlock.LengthOf("Subject: x\n\nbody"u8, out bool complete));
        Assert.True(complete);
        Assert.Equal(14, HeaderBlock.LengthOf("Subject: x\r\n\r\n"u8, out complete));
        Assert.True(complete);
        Assert.Equal(12, HeaderBlock.LengthOf("Subject: x\r\n"u8, out complete));
        Assert.False(complete);
    }

    [Fact]
    public void Body_keys_need_the_whole_message()
    {
        var header = MessageSearchText.FromHeader(Bytes("Subject: x\r\n\r\n"));

        Assert.Throws<InvalidOperationException>(() => header.BodyContains("x"));
    }
}
