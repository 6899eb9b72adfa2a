using System.Text;
using Carrier.Imap.Messages;
using static Carrier.Tests.Imap.Messages.SampleMessages;

namespace Carrier.Tests.Imap.Messages;

public sealed class SectionTests
{
    private static async Task<string> SectionAsync(string message, string spec)
    {
        Assert.True(SectionSpec.TryParse(spec, out var section), spec);
        return Encoding.UTF8.GetString(await MessageSections.ExtractAsync(Stream(message), section, CancellationToken.None));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("HEADER", "HEADER")]
    [InlineData("text", "TEXT")]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("2.MIME", "2.MIME")]
    [InlineData("3.header.fields (Subject FROM)", "3.HEADER.FIELDS (Subject FROM)")]
    [InlineData("HEADER.FIELDS.NOT (\"X-Spam\")", "HEADER.FIELDS.NOT (X-Spam)")]
    [InlineData("HEADER.FIELDS (\"a(b\")", "HEADER.FIELDS (\"a(b\")")]
    public void Specifiers_parse_and_echo_in_canonical_form(string text, string echoed)
    {
        Assert.True(SectionSpec.TryParse(text, out var spec));
        Assert.Equal(echoed, spec.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.")]
    [InlineData("01")]
    [InlineData("MIME")]
    [InlineData("HEADER.FIELDS")]
    [InlineData("HEADER.FIELDS ()")]
    [InlineData("HEADER.FIELDS (a:b)")]
    [InlineData("HEADER.FIELDS (a  b)")]
    [InlineData("HEADER.FIELDS (\"unterminated)")]
    [InlineData("1.BODY")]
    [InlineData("99999999999")]
    [InlineData("TEXTX")]
    public void Malformed_specifiers_are_refused(string text) => Assert.False(SectionSpec.TryParse(text, out _));

    [Fact]
    public void Part_numbers_deeper_than_the_bound_are_refused()
    {
        Assert.True(SectionSpec.TryParse(string.Join('.', Enumerable.Repeat("1", SectionSpec.MaxDepth)), out _));
        Assert.False(SectionSpec.TryParse(string.Join('.', Enumerable.Repeat("1", SectionSpec.MaxDepth + 1)), out _));
    }

    [Fact]
    public async Task The_whole_message_header_and_text_are_cut_at_the_blank_line()
    {
        Assert.Equal(Plain, await SectionAsync(Plain, ""));
        Assert.Equal(Plain[..(Plain.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)], await SectionAsync(Plain, "HEADER"));
        Assert.Equal(PlainBody, await SectionAsync(Plain, "TEXT"));
        Assert.Equal(PlainBody, await SectionAsync(Plain, "1"));
        Assert.Equal(string.Empty, await SectionAsync(Plain, "2"));
    }

    [Fact]
    public async Task Header_fields_are_selected_by_name_in_message_order()
    {
        Assert.Equal(
            "To: bob@local.test, \"Carol C.\" <carol@local.test>\r\nSubject: =?utf-8?q?Caf=C3=A9?= plans\r\n\r\n",
            await SectionAsync(Plain, "HEADER.FIELDS (SUBJECT to)"));
        Assert.Equal("\r\n", await SectionAsync(Plain, "HEADER.FIELDS (X-Missing)"));
        string without = await SectionAsync(Plain, "HEADER.FIELDS.NOT (Date From To Message-ID MIME-Version Content-Type)");
        Assert.Equal("Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n\r\n", without);
    }

    [Fact]
    public async Task Folded_fields_keep_their_continuation_lines()
    {
        const string message = "Subject: first\r\n  second\r\nX-Other: x\r\n\r\nbody";

        Assert.Equal("Subject: first\r\n  second\r\n\r\n", await SectionAsync(message, "HEADER.FIELDS (Subject)"));
    }

    [Fact]
    public async Task Parts_of_a_multipart_and_of_an_embedded_message_are_reachable()
    {
        Assert.Equal(TextPart, await SectionAsync(Mixed, "1"));
        Assert.Equal(Attachment, await SectionAsync(Mixed, "2"));
        Assert.Equal(
            "Content-Type: application/octet-stream; name=\"hello.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"hello.bin\"\r\n\r\n",
            await SectionAsync(Mixed, "2.MIME"));
        Assert.Equal(InnerMessage, await SectionAsync(Mixed, "3"));
        Assert.Equal("From: inner@example.org\r\nSubject: inner\r\n\r\n", await SectionAsync(Mixed, "3.HEADER"));
        Assert.Equal("Subject: inner\r\n\r\n", await SectionAsync(Mixed, "3.HEADER.FIELDS (Subject)"));
        Assert.Equal(InnerBody, await SectionAsync(Mixed, "3.TEXT"));
        Assert.Equal(InnerBody, await SectionAsync(Mixed, "3.1"));
        Assert.Equal(string.Empty, await SectionAsync(Mixed, "1.HEADER"));
        Assert.Equal(string.Empty, await SectionAsync(Mixed, "4"));
        Assert.Equal(string.Empty, await SectionAsync(Mixed, "1.1.1"));
    }

    [Fact]
    public async Task Binary_undoes_the_transfer_encoding_of_a_leaf_part()
    {
        Assert.True(SectionSpec.TryParse("2", out var attachment));
        var decoded = await MessageSections.DecodeBinaryAsync(Stream(Mixed), attachment, CancellationToken.None);
        Assert.Equal("Hello attachment", Encoding.ASCII.GetString(decoded!));

        Assert.True(SectionSpec.TryParse("1", out var text));
        Assert.Equal(TextPart, Encoding.ASCII.GetString((await MessageSections.DecodeBinaryAsync(Stream(Mixed), text, CancellationToken.None))!));
    }

    [Fact]
    public async Task Binary_of_an_unknown_transfer_encoding_is_refused()
    {
        const string message = "Subject: odd\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n";
        Assert.True(SectionSpec.TryParse("1", out var body));

        Assert.Null(await MessageSections.DecodeBinaryAsync(Stream(message), body, CancellationToken.None));
    }
}
