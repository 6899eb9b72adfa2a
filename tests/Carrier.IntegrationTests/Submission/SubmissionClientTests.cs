using Carrier.Testing;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Carrier.IntegrationTests.Submission;

/// <summary>
/// Real mail clients submitting through Carrier: MailKit, Python's smtplib, swaks and msmtp, with STARTTLS on
/// the submission port and implicit TLS on the submissions port, and openssl s_client on every TLS port.
/// </summary>
public sealed class SubmissionClientTests : IAsyncLifetime
{
    private const string Password = "submission password 1";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync(settings => settings["Auth:PlaintextWithoutTls"] = "Never");
        await _carrier.AddUserAsync("alice@local.test", Password);
        await _carrier.AddUserAsync("bob@local.test", Password);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private string CertificateFile => _carrier.Settings.TlsCertificateFile;

    private async Task<MimeMessage> ReceivedByBobAsync(int count, string subject)
    {
        var messages = await _carrier.WaitForMessagesAsync("bob@local.test", count);
        foreach (var info in messages)
        {
            await using var content = (await _carrier.Server.Store.Mailboxes.OpenMessageAsync(info.MailboxId, info.Uid, CancellationToken.None))!;
            var message = await MimeMessage.LoadAsync(content);
            if (message.Subject == subject)
            {
                return message;
            }
        }

        throw new InvalidOperationException($"no message with subject '{subject}' for bob");
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", "alice@local.test"));
        message.To.Add(new MailboxAddress("Bob", "bob@local.test"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Sent by a real client.\n" };
        return message;
    }

    private static SmtpClient TrustingClient() =>
        new() { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mail.local.test" };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MailKit_authenticates_over_tls_and_submits(bool implicitTls)
    {
        using var client = TrustingClient();
        string subject = implicitTls ? "mailkit over 465" : "mailkit over 587";
        int port = implicitTls ? _carrier.SubmissionsPort : _carrier.SubmissionPort;

        await client.ConnectAsync("127.0.0.1", port, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync("alice@local.test", Password);
        await client.SendAsync(Message(subject));
        await client.DisconnectAsync(quit: true);

        var received = await ReceivedByBobAsync(1, subject);
        Assert.Equal("Sent by a real client.\n", received.TextBody!.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Contains("ESMTPSA", received.Headers[HeaderId.Received], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_is_refused_with_a_wrong_password_and_without_authentication()
    {
        using var client = TrustingClient();
        await client.ConnectAsync("127.0.0.1", _carrier.SubmissionPort, SecureSocketOptions.StartTls);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice@local.test", "not the password"));
        var refusal = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => client.SendAsync(Message("unauthenticated")));
        Assert.Contains("5.7.0", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Python_smtplib_uses_starttls_login_and_sendmail()
    {
        string script = """
            import smtplib, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[2])
            context.check_hostname = False  # the certificate names mail.local.test, we connect to 127.0.0.1
            with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example.org") as smtp:
                smtp.starttls(context=context)
                smtp.login("alice@local.test", sys.argv[3])
                refused = smtp.sendmail("alice@local.test", ["bob@local.test"],
                    "From: alice@local.test\r\nTo: bob@local.test\r\nSubject: from smtplib\r\n\r\nHello from Python.\r\n")
                print("refused:", refused)
            """;
        string file = Path.Combine(_carrier.DataDirectory, "send.py");
        await File.WriteAllTextAsync(file, script);

        var result = await ExternalProgram.RunAsync("/usr/bin/python3", [file, _carrier.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture), CertificateFile, Password]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("refused: {}", result.Output, StringComparison.Ordinal);
        var received = await ReceivedByBobAsync(1, "from smtplib");
        Assert.Contains("Hello from Python.", received.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_submits_with_tls_and_auth()
    {
        var result = await ExternalProgram.RunAsync("swaks",
        [
            "--server", $"127.0.0.1:{_carrier.SubmissionPort}", "--tls", "--auth", "PLAIN",
            "--auth-user", "alice@local.test", "--auth-password", Password,
            "--from", "alice@local.test", "--to", "bob@local.test",
            "--header", "Subject: from swaks", "--body", "Hello from swaks.",
        ]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("235 2.7.0", result.Output, StringComparison.Ordinal);
        var received = await ReceivedByBobAsync(1, "from swaks");
        Assert.Contains("Hello from swaks.", received.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Msmtp_submits_over_implicit_tls_checking_the_certificate()
    {
        string config = Path.Combine(_carrier.DataDirectory, "msmtprc");
        await File.WriteAllTextAsync(config, $"""
            account carrier
            host 127.0.0.1
            port {_carrier.SubmissionsPort}
            tls on
            tls_starttls off
            tls_trust_file {CertificateFile}
            tls_host_override mail.local.test
            auth plain
            user alice@local.test
            password {Password}
            from alice@local.test
            account default : carrier

            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = await ExternalProgram.RunAsync("msmtp", ["-C", config, "bob@local.test"], input: "Subject: from msmtp\r\nFrom: alice@local.test\r\n\r\nHello from msmtp.\r\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        var received = await ReceivedByBobAsync(1, "from msmtp");
        Assert.True(received.Headers.Contains(HeaderId.MessageId), "submission adds the missing Message-ID");
        Assert.True(received.Headers.Contains(HeaderId.Date), "submission adds the missing Date");
    }

    [Theory]
    [InlineData("submissions", null, "220 mail.local.test")]
    [InlineData("submission", "smtp", "250 ")]
    [InlineData("smtpd", "smtp", "250 ")]
    [InlineData("pop3s", null, "+OK")]
    [InlineData("pop3", "pop3", "+OK")]
    public async Task Openssl_negotiates_modern_tls_on_every_tls_port(string listener, string? starttls, string expected)
    {
        int port = _carrier.Server.EndpointsOf(listener)[0].Port;
        var arguments = new List<string> { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "mail.local.test", "-CAfile", CertificateFile, "-verify_return_error", "-brief", "-ign_eof" };
        if (starttls is not null)
        {
            arguments.AddRange(["-starttls", starttls]);
        }

        var result = await ExternalProgram.RunAsync("openssl", arguments, input: "QUIT\r\n");

        string all = result.Output + result.Error;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Protocol version: TLSv1.3", all, StringComparison.Ordinal);
        Assert.Contains("Verification: OK", all, StringComparison.Ordinal);
        Assert.Contains(expected, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_cannot_negotiate_tls_1_1()
    {
        var result = await ExternalProgram.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{_carrier.SubmissionsPort}", "-tls1_1", "-brief"], input: "QUIT\r\n");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("Protocol version: TLSv1.1", result.Output + result.Error, StringComparison.Ordinal);
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        Assert.StartsWith("250", await wire.CommandAsync("EHLO still.working"), StringComparison.Ordinal);
    }
}
