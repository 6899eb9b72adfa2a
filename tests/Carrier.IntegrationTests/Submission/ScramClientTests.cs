using System.Net;
using Carrier.Testing;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Carrier.IntegrationTests.Submission;

/// <summary>
/// SCRAM-SHA-256 with clients others wrote: MailKit's SMTP, IMAP and POP3 clients (which check the server's
/// signature before they call the login done) and msmtp, which uses GNU SASL.
/// </summary>
public sealed class ScramClientTests : IAsyncLifetime
{
    private const string Alice = "alice@local.test";
    private const string Password = "scram through real clients";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync();
        await _carrier.AddUserAsync(Alice, Password);
        await _carrier.AddUserAsync("bob@local.test", Password);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Alice));
        message.To.Add(MailboxAddress.Parse("bob@local.test"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Sent after SCRAM.\n" };
        return message;
    }

    private async Task AssertBobReceivedAsync(string subject)
    {
        foreach (var info in await _carrier.WaitForMessagesAsync("bob@local.test", 1))
        {
            var message = await MimeMessage.LoadAsync(new MemoryStream(await _carrier.ReadMessageAsync("bob@local.test", info.Uid)));
            if (message.Subject == subject)
            {
                return;
            }
        }

        Assert.Fail($"bob has no message '{subject}'");
    }

    [Fact]
    public async Task MailKit_smtp_submits_after_scram_over_starttls()
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mail.local.test" };
        await client.ConnectAsync("127.0.0.1", _carrier.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);

        var scram = new SaslMechanismScramSha256(new NetworkCredential(Alice, Password));
        client.AuthenticationMechanisms.Clear();
        client.AuthenticationMechanisms.Add("SCRAM-SHA-256");
        await client.AuthenticateAsync(scram);
        Assert.True(scram.IsAuthenticated, "MailKit verified the server's final message");
        await client.SendAsync(Message("scram over 587"));
        await client.DisconnectAsync(quit: true);

        await AssertBobReceivedAsync("scram over 587");
    }

    [Fact]
    public async Task MailKit_smtp_with_only_scram_and_a_wrong_password_is_refused()
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mail.local.test" };
        await client.ConnectAsync("127.0.0.1", _carrier.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        client.AuthenticationMechanisms.Clear();
        client.AuthenticationMechanisms.Add("SCRAM-SHA-256");
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Alice, "not it"));
        Assert.False(client.IsAuthenticated);
    }

    [Fact]
    public async Task MailKit_imap_logs_in_with_scram()
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _carrier.ImapPort, SecureSocketOptions.None);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        client.AuthenticationMechanisms.Clear();
        client.AuthenticationMechanisms.Add("SCRAM-SHA-256");
        var scram = new SaslMechanismScramSha256(new NetworkCredential(Alice, Password));
        await client.AuthenticateAsync(scram);
        Assert.True(scram.IsAuthenticated, "MailKit verified the server's final message");
        Assert.True(client.IsAuthenticated);
        var inbox = client.Inbox;
        await inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(0, inbox.Count);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task MailKit_pop3_logs_in_with_scram()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", _carrier.Pop3Port, SecureSocketOptions.None);
        Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
        client.AuthenticationMechanisms.Clear();
        client.AuthenticationMechanisms.Add("SCRAM-SHA-256");
        var scram = new SaslMechanismScramSha256(new NetworkCredential(Alice, Password));
        await client.AuthenticateAsync(scram);
        Assert.True(scram.IsAuthenticated, "MailKit verified the server's final message");
        Assert.Equal(0, client.Count);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Msmtp_with_gnu_sasl_submits_after_scram()
    {
        string config = Path.Combine(_carrier.DataDirectory, "msmtprc-scram");
        await File.WriteAllTextAsync(config, $"""
            account carrier
            host 127.0.0.1
            port {_carrier.SubmissionPort}
            tls on
            tls_starttls on
            tls_trust_file {_carrier.Settings.TlsCertificateFile}
            tls_host_override mail.local.test
            auth scram-sha-256
            user {Alice}
            password {Password}
            from {Alice}
            logfile {config}.log
            account default : carrier

            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = await ExternalProgram.RunAsync("msmtp", ["-C", config, "-v", "bob@local.test"], input: "Subject: scram from msmtp\r\nFrom: alice@local.test\r\n\r\nHello.\r\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("AUTH SCRAM-SHA-256", result.ToString(), StringComparison.Ordinal);
        await AssertBobReceivedAsync("scram from msmtp");
    }
}
