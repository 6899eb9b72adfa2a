using System.Buffers;
using System.Text;
using Carrier.Net.Framing;

namespace Carrier.Tests.Smtp.Client;

public sealed class DotStuffingEncoderTests
{
    private static string Encode(string content, int chunk)
    {
        var encoder = new DotStuffingEncoder();
        var output = new ArrayBufferWriter<byte>();
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            encoder.Encode(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), output);
        }

        encoder.Finish(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Leading_dots_are_doubled_and_the_end_marker_added(int chunk)
    {
        Assert.Equal("a\r\n..b\r\n...\r\nc.d\r\n.\r\n", Encode("a\r\n.b\r\n..\r\nc.d\r\n", chunk));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Bare_line_ends_become_crlf_so_nothing_relayed_can_smuggle(int chunk)
    {
        Assert.Equal("a\r\n..\r\nMAIL FROM:<x>\r\nb\r\n.\r\n", Encode("a\n.\nMAIL FROM:<x>\rb", chunk));
    }

    [Fact]
    public void Content_without_a_final_line_end_gets_one()
    {
        Assert.Equal("x\r\n.\r\n", Encode("x", 10));
        Assert.Equal(".\r\n", Encode(string.Empty, 10));
        Assert.Equal("x\r\n.\r\n", Encode("x\r", 10));
    }
}
