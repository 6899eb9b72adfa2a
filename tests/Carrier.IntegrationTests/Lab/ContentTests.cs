using System.Text;

namespace Carrier.IntegrationTests.Lab;

/// <summary>What Carrier does to content for a host that cannot take it as it is (RFC 6152 §3).</summary>
[Collection(RoutingLabCollection.Name)]
public sealed class ContentTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Eight_bit_mail_is_converted_for_a_host_without_8bitmime()
    {
        await using var carrier = await lab.StartCarrierAsync();
        string content = "From: <alice@local.test>\r\nTo: <old@old.linuxaid.test>\r\nSubject: eight bits\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus dem Labor, ça va ?\r\n";

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["old@old.linuxaid.test"], content, "BODY=8BITMIME");

        await carrier.WaitForEmptyQueueAsync();
        string dumped = (await lab.SevenBitSink.WaitForTransactionsAsync(1)).Single();
        Assert.DoesNotContain("BODY=8BITMIME", dumped, StringComparison.OrdinalIgnoreCase);
        Assert.True(Encoding.UTF8.GetByteCount(dumped) == dumped.Length, "the relayed message still has 8-bit bytes:\n" + dumped);
        // What the receiver reads: a 7-bit transfer encoding that decodes to the original text.
        string message = dumped[dumped.IndexOf("Received:", StringComparison.Ordinal)..];
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(message.ReplaceLineEndings("\r\n")));
        var parsed = await MimeKit.MimeMessage.LoadAsync(stream);
        var body = Assert.IsType<MimeKit.TextPart>(parsed.Body);
        Assert.Contains(body.ContentTransferEncoding, new[] { MimeKit.ContentEncoding.QuotedPrintable, MimeKit.ContentEncoding.Base64 });
        Assert.Equal("Grüße aus dem Labor, ça va ?", body.Text.TrimEnd());
    }
}
