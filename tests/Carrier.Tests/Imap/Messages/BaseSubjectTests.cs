using Carrier.Imap.Messages;

namespace Carrier.Tests.Imap.Messages;

/// <summary>The base subject of RFC 5256 §2.1, on the forms mail clients write.</summary>
public sealed class BaseSubjectTests
{
    [Theory]
    [InlineData("Re: [list] Fwd: subject (fwd)", "subject", true)]
    [InlineData("subject", "subject", false)]
    [InlineData("RE: Re: re: subject", "subject", true)]
    [InlineData("Fw: subject", "subject", true)]
    [InlineData("FWD : subject", "subject", true)]
    [InlineData("Re[2]: subject", "subject", true)]
    [InlineData("[list] subject", "subject", false)]
    [InlineData("[list] [other] Re: subject", "subject", true)]
    [InlineData("[fwd: subject]", "subject", true)]
    [InlineData("[Fwd: Re: [list] subject (fwd)]", "subject", true)]
    [InlineData("subject (fwd) (FWD)  ", "subject", true)]
    [InlineData("  lots   of\tspace  ", "lots of space", false)]
    [InlineData("[only a tag]", "[only a tag]", false)]
    [InlineData("Re:", "", true)]
    [InlineData("Re: [list]", "[list]", true)]
    [InlineData("Reply: subject", "Reply: subject", false)]
    [InlineData("=?UTF-8?Q?Re=3A_Caf=C3=A9?= menu", "Café menu", true)]
    [InlineData("[unclosed Re: subject", "[unclosed Re: subject", false)]
    [InlineData("", "", false)]
    public void Reply_and_forward_markers_and_list_tags_come_off(string subject, string expected, bool replyOrForward)
    {
        var baseSubject = BaseSubject.From(subject);
        Assert.Equal(expected, baseSubject.Text);
        Assert.Equal(replyOrForward, baseSubject.IsReplyOrForward);
    }

    [Fact]
    public void Comparison_ignores_ASCII_case_only()
    {
        Assert.Equal(BaseSubject.From("re: HELLO").Key, BaseSubject.From("Hello").Key);
        Assert.NotEqual(BaseSubject.From("café").Key, BaseSubject.From("CAFÉ").Key);
    }

    [Fact]
    public void The_envelope_text_of_the_summary_reads_back_into_its_fields()
    {
        var summary = ImapMessageSummarizer.Summarize(System.Text.Encoding.UTF8.GetBytes(
            "From: \"Zed, Z.\" <zed@example.org>\r\nTo: undisclosed:;, Bob <bob@local.test>\r\nSubject: =?UTF-8?Q?Caf=C3=A9?= \"quoted\"\r\nDate: Tue, 3 Jan 2023 10:00:00 +0100\r\n" +
            "Message-ID: <m1@example.org>\r\nIn-Reply-To: <m0@example.org>\r\nReferences: <a@example.org>\r\n  <m0@example.org>\r\n\r\nbody\r\n"));
        var fields = EnvelopeFields.Parse(summary.Envelope);

        Assert.Equal("Zed, Z.", fields.From!.DisplayName);
        Assert.Equal("zed", fields.From.Mailbox);
        Assert.Equal("bob", fields.To!.Mailbox);
        Assert.Null(fields.Cc);
        Assert.Equal("Café \"quoted\"", BaseSubject.From(fields.Subject).Text);
        Assert.Equal(new DateTimeOffset(2023, 1, 3, 9, 0, 0, TimeSpan.Zero), fields.SentDate);
        Assert.Equal("<m1@example.org>", fields.MessageId);
        Assert.Equal("<m0@example.org>", fields.InReplyTo);
        Assert.Equal(["<a@example.org>", "<m0@example.org>"], MessageIds.All(summary.References));
    }

    [Fact]
    public void A_summary_stored_before_References_was_kept_reads_as_unknown_and_a_new_one_as_known()
    {
        var old = MessageSummary.FromStoredForm("{\"V\":1,\"Envelope\":\"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)\",\"BodyStructure\":\"x\",\"Body\":\"y\"}");
        Assert.NotNull(old);
        Assert.Null(old.References);

        var fresh = ImapMessageSummarizer.Summarize(System.Text.Encoding.UTF8.GetBytes("Subject: none\r\n\r\nbody\r\n"));
        Assert.Equal(string.Empty, MessageSummary.FromStoredForm(fresh.ToStoredForm())!.References);
    }

    [Fact]
    public void Damaged_envelope_text_gives_empty_fields_not_an_exception()
    {
        Assert.Null(EnvelopeFields.Parse("(\"unterminated").Subject);
        Assert.Equal("s", EnvelopeFields.Parse("(NIL \"s\" ((broken").Subject);
        Assert.Null(EnvelopeFields.Parse(string.Empty).MessageId);
    }
}
