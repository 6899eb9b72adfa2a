using System.Text;
using Carrier.Delivery.Remote;

namespace Carrier.Tests.Delivery;

public sealed class SevenBitConverterTests
{
    private const string EightBitMessage = "Received: from client.local.test (unknown [127.0.0.1])\r\n\tby mail.local.test (Carrier) with ESMTP id 01M8T60SP2FFQTVZ\r\n\tfor <old@old.example>; Wed, 2 Dec 2026 01:31:02 +0000\r\n"
        + "From: <alice@local.test>\r\nTo: <old@old.example>\r\nSubject: eight bits\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus dem Labor, ça va ?\r\n";

    [Fact]
    public async Task The_converted_message_keeps_the_empty_line_between_header_and_body()
    {
        byte[] converted = await SevenBitConverter.ConvertAsync(Encoding.UTF8.GetBytes(EightBitMessage), CancellationToken.None);

        string text = Encoding.ASCII.GetString(converted);
        Assert.True(Ascii.IsValid(converted), text);
        int separator = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(separator > 0, text);
        string header = text[..separator];
        Assert.Contains("Subject: eight bits", header, StringComparison.Ordinal);
        Assert.Contains("Content-Transfer-Encoding: ", header, StringComparison.Ordinal);
        Assert.DoesNotContain("8bit", header, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße aus dem Labor, ça va ?\r\n")), text[(separator + 4)..].Trim());
    }
}
