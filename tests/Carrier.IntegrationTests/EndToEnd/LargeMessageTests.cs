using System.Security.Cryptography;
using Carrier.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;
using MimeKit;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>A 20 MiB message under the default 50 MiB limit: stored as a file blob, delivered intact.</summary>
public sealed class LargeMessageTests
{
    private const string Alice = "alice@local.test";
    private const int AttachmentBytes = 20 * 1024 * 1024;

    [Fact]
    public async Task A_20_MiB_attachment_sent_with_MailKit_arrives_intact()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);
        using var server = await CarrierServerProcess.StartAsync(data);

        byte[] content = new byte[AttachmentBytes];
        new Random(20).NextBytes(content);
        var body = new BodyBuilder { TextBody = "The archive is attached.\r\n" };
        body.Attachments.Add("archive.bin", content, new ContentType("application", "octet-stream"));
        var message = new MimeMessage { Subject = $"large {Guid.NewGuid():N}", Body = body.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse("bob@example.org"));
        message.To.Add(MailboxAddress.Parse(Alice));

        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            string reply = await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
            await server.WaitForRemovedAsync(CarrierServerProcess.QueueIdFrom(reply), TimeSpan.FromSeconds(120));
        }

        Assert.NotEmpty(System.IO.Directory.GetFiles(Path.Combine(data.Path, "blobs"), "*", SearchOption.AllDirectories));
        var arrived = await data.WaitForMessageAsync(Alice, m => m.Message.Subject == message.Subject);
        var attachment = Assert.IsType<MimePart>(Assert.Single(arrived.Message.Attachments));
        Assert.Equal("archive.bin", attachment.FileName);
        using var decoded = new MemoryStream();
        Assert.NotNull(attachment.Content);
        await attachment.Content.DecodeToAsync(decoded);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(decoded.ToArray()));
    }
}
