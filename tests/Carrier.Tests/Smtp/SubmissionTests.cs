using System.Security.Authentication;
using System.Text;
using Carrier.Testing;
using MimeKit;

namespace Carrier.Tests.Smtp;

/// <summary>Submission (RFC 6409) and SMTP AUTH (RFC 4954) over STARTTLS (RFC 3207) and implicit TLS (RFC 8314).</summary>
public sealed class SubmissionTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await StartAsync(plaintext: "Never");
        await _carrier.AddUserAsync("alice@local.test", Password);
        await _carrier.AddUserAsync("bob@local.test", Password);
        await _carrier.Server.Directory.AddAliasAsync("sales@local.test", "alice@local.test", CancellationToken.None);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private static Task<TestCarrier> StartAsync(string plaintext) =>
        TestCarrier.StartAsync(settings => settings["Auth:PlaintextWithoutTls"] = plaintext);

    private static string Plain(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>A submission session that has done STARTTLS, EHLO again, and AUTH PLAIN as alice.</summary>
    private async Task<SmtpWire> AuthenticatedAsync(string user = "alice@local.test")
    {
        var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionPort);
        await wire.CommandAsync("EHLO client.example.org");
        Assert.StartsWith("220", await wire.CommandAsync("STARTTLS"), StringComparison.Ordinal);
        await wire.UpgradeToTlsAsync();
        await wire.CommandAsync("EHLO client.example.org");
        Assert.StartsWith("235 2.7.0", await wire.CommandAsync("AUTH PLAIN " + Plain(user, Password)), StringComparison.Ordinal);
        return wire;
    }

    [Fact]
    public async Task Auth_is_offered_only_after_starttls_and_then_with_plain_and_login()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionPort);
        string before = await wire.CommandAsync("EHLO client.example.org");
        Assert.Contains("250-STARTTLS", before, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", before, StringComparison.Ordinal);
        Assert.StartsWith("538 5.7.11", await wire.CommandAsync("AUTH PLAIN " + Plain("alice@local.test", Password)), StringComparison.Ordinal);

        Assert.StartsWith("220", await wire.CommandAsync("STARTTLS"), StringComparison.Ordinal);
        await wire.UpgradeToTlsAsync();
        string after = await wire.CommandAsync("EHLO client.example.org");

        Assert.Contains("AUTH SCRAM-SHA-256 PLAIN LOGIN", after, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", after, StringComparison.Ordinal);
        Assert.True(wire.TlsProtocol is SslProtocols.Tls12 or SslProtocols.Tls13);
    }

    [Fact]
    public async Task Mail_before_auth_is_refused_with_530()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionPort);
        await wire.CommandAsync("EHLO client.example.org");

        Assert.StartsWith("530 5.7.0", await wire.CommandAsync("MAIL FROM:<alice@local.test>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_mechanism_exchanges_user_and_password_in_challenges()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");

        Assert.Equal("334 VXNlcm5hbWU6", await wire.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await wire.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("bob@local.test"))));
        Assert.StartsWith("235", await wire.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await wire.CommandAsync("AUTH PLAIN " + Plain("bob@local.test", Password)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "501 5.0.0")]
    [InlineData("not base64!", "501 5.5.2")]
    public async Task A_cancelled_or_garbled_exchange_ends_with_501_and_the_session_goes_on(string response, string reply)
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");
        Assert.StartsWith("334", await wire.CommandAsync("AUTH PLAIN"), StringComparison.Ordinal);

        Assert.StartsWith(reply, await wire.CommandAsync(response), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_mechanism_are_refused()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");

        Assert.StartsWith("535 5.7.8", await wire.CommandAsync("AUTH PLAIN " + Plain("alice@local.test", "wrong password")), StringComparison.Ordinal);
        Assert.StartsWith("504 5.5.4", await wire.CommandAsync("AUTH CRAM-MD5"), StringComparison.Ordinal);
        Assert.Contains("authentication failed for user alice@local.test", string.Join("\n", _carrier.Logs.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", string.Join("\n", _carrier.Logs.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authenticated_user_relays_to_any_domain_and_gets_missing_headers_added()
    {
        await using var wire = await AuthenticatedAsync();
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<alice@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<someone@remote.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await wire.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("From: Alice <alice@local.test>\r\nSubject: no date, no id\r\n\r\nhello\r\n."), StringComparison.Ordinal);

        var delivered = await _carrier.WaitForMessagesAsync("bob@local.test", 1);
        await using var content = (await _carrier.Server.Store.Mailboxes.OpenMessageAsync(delivered[0].MailboxId, delivered[0].Uid, CancellationToken.None))!;
        var message = await MimeMessage.LoadAsync(content);
        Assert.EndsWith("@mail.local.test", message.MessageId, StringComparison.Ordinal);
        Assert.True(message.Headers.Contains(HeaderId.Date));
        Assert.Equal("no date, no id", message.Subject);
        Assert.Contains("with ESMTPSA", message.Headers[HeaderId.Received], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_sends_as_an_alias_but_not_as_someone_else()
    {
        await using var wire = await AuthenticatedAsync();

        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<sales@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<alice+lists@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.StartsWith("553 5.7.1", await wire.CommandAsync("MAIL FROM:<bob@local.test>"), StringComparison.Ordinal);
        Assert.StartsWith("553 5.7.1", await wire.CommandAsync("MAIL FROM:<ceo@bank.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_from_header_of_someone_else_is_refused_at_the_end_of_data()
    {
        await using var wire = await AuthenticatedAsync();
        await wire.CommandAsync("MAIL FROM:<alice@local.test>");
        await wire.CommandAsync("RCPT TO:<bob@local.test>");
        await wire.CommandAsync("DATA");

        string reply = await wire.CommandAsync("From: The Boss <bob@local.test>\r\nSubject: forged\r\n\r\npay this\r\n.");

        Assert.StartsWith("553 5.7.1", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_25_offers_starttls_but_not_auth_and_still_refuses_relaying_to_strangers()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort);
        string ehlo = await wire.CommandAsync("EHLO client.example.org");
        Assert.Contains("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("220", await wire.CommandAsync("STARTTLS"), StringComparison.Ordinal);
        await wire.UpgradeToTlsAsync();
        await wire.CommandAsync("EHLO client.example.org");

        Assert.StartsWith("503 5.5.1", await wire.CommandAsync("AUTH PLAIN " + Plain("alice@local.test", Password)), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<x@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<alice@local.test>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loopback_clients_may_authenticate_without_tls_by_default()
    {
        await using var carrier = await TestCarrier.StartAsync();
        await carrier.AddUserAsync("alice@local.test", Password);
        await using var wire = await SmtpWire.ConnectAsync(carrier.SubmissionPort);

        Assert.Contains("AUTH SCRAM-SHA-256 PLAIN LOGIN", await wire.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        Assert.StartsWith("235", await wire.CommandAsync("AUTH PLAIN " + Plain("alice@local.test", Password)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_over_implicit_tls_greets_and_logs_in()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.Pop3sPort, readGreeting: false, implicitTls: true);

        Assert.StartsWith("+OK", await wire.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await wire.CommandAsync("USER alice@local.test"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await wire.CommandAsync("PASS " + Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_refuses_passwords_before_stls_when_plaintext_is_off()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.Pop3Port, readGreeting: false);
        await wire.ReadReplyAsync();

        Assert.Contains("STLS", await ReadPop3MultilineAsync(wire, "CAPA"), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await wire.CommandAsync("USER alice@local.test"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await wire.CommandAsync("STLS"), StringComparison.Ordinal);
        await wire.UpgradeToTlsAsync();
        Assert.StartsWith("+OK", await wire.CommandAsync("USER alice@local.test"), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await wire.CommandAsync("PASS " + Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_pipelined_behind_starttls_are_never_acted_on()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort);
        await wire.CommandAsync("EHLO client.example.org");
        await wire.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
        Assert.StartsWith("220", await wire.ReadReplyAsync(), StringComparison.Ordinal);
        await wire.UpgradeToTlsAsync();

        Assert.StartsWith("250-mail.local.test", await wire.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        Assert.StartsWith("503", await wire.CommandAsync("RCPT TO:<alice@local.test>"), StringComparison.Ordinal);
    }

    private static async Task<string> ReadPop3MultilineAsync(SmtpWire wire, string command)
    {
        var lines = new StringBuilder(await wire.CommandAsync(command));
        while (true)
        {
            string line = await wire.ReadReplyAsync();
            if (line == ".")
            {
                return lines.ToString();
            }

            lines.Append('\n').Append(line);
        }
    }
}
