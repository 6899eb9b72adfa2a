using Carrier.Imap.Messages;
using static Carrier.Tests.Imap.Messages.SampleMessages;

namespace Carrier.Tests.Imap.Messages;

public sealed class ImapMessageSummarizerTests
{
    [Fact]
    public void The_envelope_gives_header_values_as_they_are_and_defaults_sender_and_reply_to_to_from()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes(Plain));

        const string from = "((\"Alice Example\" NIL \"alice\" \"example.org\"))";
        Assert.Equal(
            "(\"Mon, 30 Nov 2026 10:00:00 +0000\" \"=?utf-8?q?Caf=C3=A9?= plans\" " + from + " " + from + " " + from + " " +
            "((NIL NIL \"bob\" \"local.test\")(\"Carol C.\" NIL \"carol\" \"local.test\")) NIL NIL NIL \"<m1@example.org>\")",
            summary.Envelope);
    }

    [Fact]
    public void A_single_part_body_has_its_size_and_lines()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes(Plain));

        Assert.Equal($"(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" {PlainBody.Length} 2 NIL NIL NIL NIL)", summary.BodyStructure);
        Assert.Equal($"(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" {PlainBody.Length} 2)", summary.Body);
    }

    [Fact]
    public void A_message_without_content_type_is_plain_us_ascii_text()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes("Subject: bare\r\n\r\nbody\r\n"));

        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)", summary.Body);
        Assert.Equal("(NIL \"bare\" NIL NIL NIL NIL NIL NIL NIL NIL)", summary.Envelope);
    }

    [Fact]
    public void A_multipart_lists_its_parts_with_dispositions_and_the_embedded_message()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes(Mixed));

        string text = $"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {TextPart.Length} 2 NIL NIL NIL NIL)";
        string attachment = $"(\"application\" \"octet-stream\" (\"name\" \"hello.bin\") NIL NIL \"base64\" {Attachment.Length} NIL (\"attachment\" (\"filename\" \"hello.bin\")) NIL NIL)";
        string innerEnvelope = "(NIL \"inner\" ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) NIL NIL NIL NIL NIL)";
        string innerBody = $"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {InnerBody.Length} 1 NIL NIL NIL NIL)";
        string message = $"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" {InnerMessage.Length} {innerEnvelope} {innerBody} 4 NIL NIL NIL NIL)";
        Assert.Equal($"({text}{attachment}{message} \"mixed\" (\"boundary\" \"XX\") NIL NIL NIL)", summary.BodyStructure);
        Assert.StartsWith("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\"", summary.Body, StringComparison.Ordinal);
        Assert.EndsWith(" \"mixed\")", summary.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_and_non_ascii_names_are_written_as_imap_expects()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes(
            "From: Jörg <joerg@example.org>\r\nTo: friends: a@example.org, b@example.org;\r\nSubject: x\r\n\r\nbody\r\n"));

        Assert.Contains("((\"=?utf-8?", summary.Envelope, StringComparison.Ordinal);
        Assert.Contains(
            "((NIL NIL \"friends\" NIL)(NIL NIL \"a\" \"example.org\")(NIL NIL \"b\" \"example.org\")(NIL NIL NIL NIL))",
            summary.Envelope,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_that_cannot_be_quoted_become_literals()
    {
        var summary = ImapMessageSummarizer.Summarize(Bytes("Subject: Grüße\r\n\r\nbody\r\n"));

        Assert.StartsWith("(NIL {7}\r\nGrüße NIL", summary.Envelope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stored_form_reads_back_and_the_summarizer_produces_it()
    {
        string stored = await new ImapMessageSummarizer().SummarizeAsync(Stream(Mixed), CancellationToken.None);

        Assert.Equal(ImapMessageSummarizer.Summarize(Bytes(Mixed)), MessageSummary.FromStoredForm(stored));
        Assert.Null(MessageSummary.FromStoredForm("""{"V":0,"Envelope":"()","BodyStructure":"()","Body":"()"}"""));
        Assert.Null(MessageSummary.FromStoredForm("not json"));
    }
}
