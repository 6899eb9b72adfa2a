using Carrier.Testing;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace Carrier.IntegrationTests.Pop3;

/// <summary>MailKit's <see cref="Pop3Client"/> reading mail that arrived over SMTP.</summary>
public sealed class MailKitPop3Tests : Pop3TestServer
{
    [Fact]
    public async Task MailKit_reads_the_messages_and_deletes_one()
    {
        await DeliverAsync(
            SmtpDelivery.Message("MailKit one", "Hello from the first message\r\n.a line that starts with a dot"),
            SmtpDelivery.Message("MailKit two", "The second message"));
        IList<string> uids;
        using (var client = new Pop3Client())
        {
            await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
            Assert.Contains("PLAIN", client.AuthenticationMechanisms);
            Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL));
            Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Top));
            await client.AuthenticateAsync(Alice, Password);
            Assert.Equal(2, client.Count);
            Assert.Equal(Stored.Select(m => (int)m.Length), await client.GetMessageSizesAsync());
            uids = await client.GetMessageUidsAsync();
            Assert.Equal(2, uids.Distinct().Count());

            var first = await client.GetMessageAsync(0);
            Assert.Equal("MailKit one", first.Subject);
            Assert.Equal("bob@example.org", first.From.Mailboxes.Single().Address);
            Assert.Contains("\n.a line that starts with a dot", first.TextBody);

            await using (var raw = await client.GetStreamAsync(1))
            using (var copy = new MemoryStream())
            {
                await raw.CopyToAsync(copy);
                Assert.Equal(Stored[1], copy.ToArray());
            }

            var headers = await client.GetMessageHeadersAsync(1);
            Assert.Equal("MailKit two", headers["Subject"]);

            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(quit: true);
        }

        var inbox = await InboxAsync();
        Assert.Single(inbox);
        Assert.Equal(Stored[1], await Carrier.ReadMessageAsync(Alice, inbox[0].Uid));

        using (var client = new Pop3Client())
        {
            await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(Alice, Password);
            Assert.Equal([uids[1]], await client.GetMessageUidsAsync());
            await client.DisconnectAsync(quit: true);
        }
    }

    [Fact]
    public async Task MailKit_logs_in_with_user_and_pass_when_it_does_not_use_sasl()
    {
        await DeliverAsync(SmtpDelivery.Message("plain login", "body of the message"));
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync(Alice, Password);
        var message = await client.GetMessageAsync(0);
        Assert.Equal("plain login", message.Subject);
        Assert.Equal("body of the message", message.TextBody?.TrimEnd());
        await client.DisconnectAsync(quit: true);
        Assert.Single(await InboxAsync());
    }

    [Fact]
    public async Task MailKit_reports_a_wrong_password()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Alice, "not the password"));
        Assert.Contains(Carrier.Logs.Lines, l => l.Contains($"login failed: user=<{Alice}>", StringComparison.Ordinal));
    }
}
