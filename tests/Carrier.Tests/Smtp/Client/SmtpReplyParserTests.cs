using System.Buffers;
using System.Text;
using Carrier.Smtp.Protocol;

namespace Carrier.Tests.Smtp.Client;

public sealed class SmtpReplyParserTests
{
    private static (ReplyParseStatus Status, SmtpReply? Reply, long Remaining) Parse(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        var status = SmtpReplyParser.TryParse(ref buffer, out var reply, out _);
        return (status, reply, buffer.Length);
    }

    [Fact]
    public void A_multiline_reply_keeps_its_lines_and_enhanced_code()
    {
        var (status, reply, rest) = Parse("250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\nNEXT");

        Assert.Equal(ReplyParseStatus.Complete, status);
        Assert.Equal(250, reply!.Code);
        Assert.Null(reply.Status);
        Assert.Equal(["mx.example.org", "PIPELINING", "SIZE 1000"], reply.Lines);
        Assert.Equal(4, rest);
    }

    [Fact]
    public void The_enhanced_status_code_is_separated_from_the_text()
    {
        var (_, reply, _) = Parse("550-5.1.1 <x@example.org>: no such user\r\n550 5.1.1 see the log\r\n");

        Assert.Equal("5.1.1", reply!.Status);
        Assert.Equal("550 5.1.1 <x@example.org>: no such user see the log", reply.ToString());
    }

    [Fact]
    public void A_status_of_the_wrong_class_is_text()
    {
        var (_, reply, _) = Parse("250 5.1.1 odd\r\n");

        Assert.Null(reply!.Status);
        Assert.Equal("5.1.1 odd", reply.Text);
    }

    [Theory]
    [InlineData("250-first\r\n")]
    [InlineData("250 no line end yet")]
    [InlineData("")]
    public void Partial_replies_ask_for_more(string text) =>
        Assert.Equal(ReplyParseStatus.Incomplete, Parse(text).Status);

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("2500 x\r\n")]
    [InlineData("999 x\r\n")]
    [InlineData("250-a\r\n251 b\r\n")]
    [InlineData("25\r\n")]
    public void Anything_else_is_a_protocol_error(string text) =>
        Assert.Equal(ReplyParseStatus.Invalid, Parse(text).Status);

    [Fact]
    public void Endless_replies_are_cut_off()
    {
        string lines = string.Concat(Enumerable.Repeat("250-x\r\n", SmtpReplyParser.MaxLines + 5)) + "250 end\r\n";
        Assert.Equal(ReplyParseStatus.Invalid, Parse(lines).Status);
        Assert.Equal(ReplyParseStatus.Invalid, Parse("250 " + new string('x', SmtpReplyParser.MaxLineLength + 10) + "\r\n").Status);
    }

    [Fact]
    public void A_bare_code_is_a_reply_with_empty_text()
    {
        var (status, reply, _) = Parse("354\r\n");

        Assert.Equal(ReplyParseStatus.Complete, status);
        Assert.Equal(354, reply!.Code);
    }
}
