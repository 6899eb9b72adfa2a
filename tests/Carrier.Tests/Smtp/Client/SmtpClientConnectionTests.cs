using System.Net;
using System.Text;
using Carrier.Smtp.Client;

namespace Carrier.Tests.Smtp.Client;

/// <summary>The outbound SMTP session against a scripted server on loopback.</summary>
public sealed class SmtpClientConnectionTests
{
    private static readonly SmtpClientOptions Options = new()
    {
        HeloName = "carrier.example",
        ConnectTimeout = TimeSpan.FromSeconds(2),
        GreetingTimeout = TimeSpan.FromSeconds(1),
        CommandTimeout = TimeSpan.FromSeconds(5),
    };

    private static OutboundEnvelope Envelope(params string[] recipients) =>
        new("sender@example.org", 120, EightBit: false, SmtpUtf8: false, DsnReturn: "HDRS", EnvelopeId: "env id+1", [.. recipients.Select(r => new OutboundRecipient(r, "SUCCESS,FAILURE", $"rfc822;{r}"))]);

    private static Func<CancellationToken, ValueTask<Stream>> Content(string text) =>
        _ => ValueTask.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static Task<SmtpClientConnection> ConnectAsync(ScriptedSmtpServer server) =>
        SmtpClientConnection.ConnectAsync("mx.example.org", server.EndPoint, Options, OutboundTlsPolicy.None, CancellationToken.None);

    [Fact]
    public async Task Capabilities_come_from_the_ehlo_reply()
    {
        await using var server = new ScriptedSmtpServer();
        await using var connection = await ConnectAsync(server);

        Assert.True(connection.Capabilities.Pipelining);
        Assert.Equal(10000000, connection.Capabilities.MaxSize);
        Assert.True(connection.Capabilities.Dsn);
        Assert.True(connection.Capabilities.SmtpUtf8);
        Assert.False(connection.Capabilities.StartTls);
        Assert.Equal($"mx.example.org[127.0.0.1]:{server.EndPoint.Port}", connection.Description);
    }

    [Fact]
    public async Task A_server_without_ehlo_gets_helo()
    {
        await using var server = new ScriptedSmtpServer { Ehlo = false };
        await using var connection = await ConnectAsync(server);

        Assert.False(connection.Capabilities.Extended);
        Assert.Contains("HELO carrier.example", server.Commands);
        var result = await connection.SendAsync(Envelope("a@example.org"), Content("Subject: x\r\n\r\nbody\r\n"), CancellationToken.None);
        Assert.Equal(250, result.Data!.Code);

        // Without DSN, SIZE or PIPELINING offered, none of their parameters are sent.
        Assert.Contains("MAIL FROM:<sender@example.org>", server.Commands);
        Assert.Contains("RCPT TO:<a@example.org>", server.Commands);
    }

    [Fact]
    public async Task Dsn_and_size_parameters_are_passed_on_when_offered()
    {
        await using var server = new ScriptedSmtpServer();
        await using var connection = await ConnectAsync(server);
        await connection.SendAsync(Envelope("a@example.org"), Content("x\r\n"), CancellationToken.None);

        Assert.Contains("MAIL FROM:<sender@example.org> SIZE=120 RET=HDRS ENVID=env+20id+2B1", server.Commands);
        Assert.Contains("RCPT TO:<a@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@example.org", server.Commands);
    }

    [Fact]
    public async Task Each_recipient_gets_its_own_reply_and_only_accepted_ones_receive_the_content()
    {
        await using var server = new ScriptedSmtpServer { RcptReply = line => line.Contains("bad@", StringComparison.Ordinal) ? "550 5.1.1 no such user" : "250 2.1.5 Ok" };
        await using var connection = await ConnectAsync(server);
        var result = await connection.SendAsync(Envelope("good@example.org", "bad@example.org"), Content("Subject: t\r\n\r\n.dot line\r\nend\r\n"), CancellationToken.None);

        Assert.Equal([250, 550], result.Recipients.Select(r => r.Code));
        Assert.Equal("5.1.1", result.Recipients[1].Status);
        Assert.Equal(250, result.Data!.Code);
        var message = Assert.Single(server.Messages);
        Assert.Equal("Subject: t\r\n\r\n.dot line\r\nend\r\n", Encoding.UTF8.GetString(message.Content));
        Assert.Single(message.Recipients);
    }

    [Fact]
    public async Task When_every_recipient_is_refused_no_data_is_sent_and_the_session_is_reset()
    {
        await using var server = new ScriptedSmtpServer { RcptReply = _ => "550 5.1.1 no" };
        await using var connection = await ConnectAsync(server);
        var result = await connection.SendAsync(Envelope("a@example.org"), Content("x\r\n"), CancellationToken.None);

        Assert.Null(result.Data);
        Assert.Empty(server.Messages);
        Assert.Contains("RSET", server.Commands);
        Assert.True(connection.IsUsable);
    }

    [Fact]
    public async Task A_refused_sender_refuses_every_recipient()
    {
        await using var server = new ScriptedSmtpServer { MailReply = "553 5.7.1 sender rejected" };
        await using var connection = await ConnectAsync(server);
        var result = await connection.SendAsync(Envelope("a@example.org", "b@example.org"), Content("x\r\n"), CancellationToken.None);

        Assert.Equal(553, result.Mail.Code);
        Assert.All(result.Recipients, r => Assert.Equal(553, r.Code));
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Several_transactions_share_one_session()
    {
        await using var server = new ScriptedSmtpServer();
        await using var connection = await ConnectAsync(server);
        for (int i = 0; i < 3; i++)
        {
            var result = await connection.SendAsync(Envelope($"r{i}@example.org"), Content($"message {i}\r\n"), CancellationToken.None);
            Assert.Equal(250, result.Data!.Code);
        }

        Assert.Equal(1, server.Connections);
        Assert.Equal(3, server.Messages.Count);
    }

    [Theory]
    [InlineData("421 4.3.2 too busy")]
    [InlineData("554 5.7.1 go away")]
    public async Task A_refusing_greeting_is_a_session_failure_with_the_reply(string greeting)
    {
        await using var server = new ScriptedSmtpServer { Greeting = greeting };
        var error = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(server));

        Assert.Equal(SmtpClientStage.Greeting, error.Stage);
        Assert.Equal(int.Parse(greeting[..3], System.Globalization.CultureInfo.InvariantCulture), error.Reply!.Code);
        Assert.Contains("refused to talk to me", error.Message);
    }

    [Fact]
    public async Task A_silent_server_times_out_at_the_greeting()
    {
        await using var server = new ScriptedSmtpServer { Silent = true };
        var error = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(server));

        Assert.Equal(SmtpClientStage.Greeting, error.Stage);
        Assert.Contains("timed out", error.Message);
    }

    [Fact]
    public async Task A_closed_port_is_a_connect_failure()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var error = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync("mx.example.org", new IPEndPoint(IPAddress.Loopback, port), Options, OutboundTlsPolicy.None, CancellationToken.None));

        Assert.Equal(SmtpClientStage.Connect, error.Stage);
        Assert.Contains("Connection refused", error.Message);
    }
}
