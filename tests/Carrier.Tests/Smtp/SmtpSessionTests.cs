using System.Text;
using Carrier.Testing;

namespace Carrier.Tests.Smtp;

/// <summary>The inbound SMTP session against the real server on loopback, reply by reply.</summary>
public sealed class SmtpSessionTests : IAsyncLifetime
{
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync(s =>
        {
            s["Limits:MessageSizeBytes"] = "10000";
            s["Limits:RecipientsPerMessage"] = "3";
            s["Limits:ErrorsPerSession"] = "8";
            s["Relay:TrustedNetworks"] = string.Empty;
        });
        await _carrier.AddUserAsync("alice@local.test");
        await _carrier.AddUserAsync("bob@local.test");
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private Task<SmtpWire> ConnectAsync() => SmtpWire.ConnectAsync(_carrier.SmtpPort);

    [Fact]
    public async Task Ehlo_advertises_the_extensions()
    {
        await using var wire = await ConnectAsync();
        string reply = await wire.CommandAsync("EHLO client.example");
        Assert.StartsWith("250-mail.local.test", reply);
        foreach (string extension in new[] { "PIPELINING", "SIZE 10000", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN" })
        {
            Assert.Contains(extension, reply);
        }
    }

    [Fact]
    public async Task A_transaction_is_queued_and_delivered()
    {
        await using var wire = await ConnectAsync();
        Assert.StartsWith("250", await wire.CommandAsync("EHLO client.example"));
        Assert.Equal("250 2.1.0 Ok", await wire.CommandAsync("MAIL FROM:<bob@example.org>"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<alice@local.test>"));
        Assert.StartsWith("354 ", await wire.CommandAsync("DATA"));
        string queued = await wire.CommandAsync("Subject: hello\r\n\r\n..leading dot\r\nbody\r\n.");
        Assert.Matches("^250 2.0.0 Ok: queued as [0-9A-Z]{16}$", queued);
        Assert.StartsWith("221 2.0.0", await wire.CommandAsync("QUIT"));

        var messages = await _carrier.WaitForMessagesAsync("alice@local.test", 1);
        string stored = Encoding.UTF8.GetString(await _carrier.ReadMessageAsync("alice@local.test", messages[0].Uid));
        Assert.StartsWith("Return-Path: <bob@example.org>\r\nDelivered-To: alice@local.test\r\nReceived: from client.example (unknown [127.0.0.1])\r\n\tby mail.local.test (Carrier) with ESMTP id ", stored);
        Assert.Contains("\r\n\tfor <alice@local.test>; ", stored);
        Assert.EndsWith("\r\nSubject: hello\r\n\r\n.leading dot\r\nbody\r\n", stored);
    }

    [Fact]
    public async Task Commands_out_of_sequence_get_503()
    {
        await using var wire = await ConnectAsync();
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", await wire.CommandAsync("MAIL FROM:<a@example.org>"));
        await wire.CommandAsync("EHLO c");
        Assert.Equal("503 5.5.1 Error: need MAIL command", await wire.CommandAsync("RCPT TO:<alice@local.test>"));
        Assert.Equal("503 5.5.1 Error: need MAIL command", await wire.CommandAsync("DATA"));
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await wire.CommandAsync("MAIL FROM:<a@example.org>"));
        Assert.Equal("503 5.5.1 Error: need RCPT command", await wire.CommandAsync("DATA"));
        Assert.Equal("550 5.1.1 Recipient address rejected: user unknown", await wire.CommandAsync("RCPT TO:<nobody@local.test>"));
        Assert.Equal("554 5.5.1 Error: no valid recipients", await wire.CommandAsync("DATA"));
    }

    [Fact]
    public async Task Other_domains_are_refused_as_relaying()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("550 5.7.1 Relay access denied", await wire.CommandAsync("RCPT TO:<someone@elsewhere.example>"));
        Assert.Equal("550 5.7.1 Relay access denied", await wire.CommandAsync("RCPT TO:<someone%elsewhere.example@local.test>"));
        Assert.Equal("550 5.7.1 Relay access denied", await wire.CommandAsync("RCPT TO:<alice@[127.0.0.1]>"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<@relay.example:alice@local.test>"));
    }

    [Fact]
    public async Task Recipients_past_the_limit_get_452()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<alice@local.test>"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<bob@local.test>"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<alice+x@local.test>"));
        Assert.Equal("452 4.5.3 Error: too many recipients", await wire.CommandAsync("RCPT TO:<bob+y@local.test>"));
    }

    [Fact]
    public async Task Declared_and_undeclared_oversize_get_552()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        Assert.Equal("552 5.3.4 Error: message too big for system", await wire.CommandAsync("MAIL FROM:<a@example.org> SIZE=10001"));
        await wire.CommandAsync("MAIL FROM:<a@example.org> SIZE=100");
        await wire.CommandAsync("RCPT TO:<alice@local.test>");
        await wire.CommandAsync("DATA");
        var big = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            big.Append(new string('x', 70)).Append("\r\n");
        }

        Assert.Equal("552 5.3.4 Error: message too big for system", await wire.CommandAsync(big + "."));
        Assert.Equal("250 2.0.0 Ok", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Bare_line_feed_does_not_end_data_and_refuses_the_message()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        await wire.CommandAsync("RCPT TO:<alice@local.test>");
        await wire.CommandAsync("DATA");

        // The smuggling attempt: "\n.\r\n" must not end the message, nor may the command after it run.
        await wire.SendAsync("Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<bob@local.test>\r\n");
        string reply = await wire.CommandAsync(".");
        Assert.Equal("554 5.6.0 Message refused: bare <CR> or <LF> in message data; lines end with <CR><LF> (RFC 5321 §2.3.8)", reply);
        Assert.Equal("250 2.0.0 Ok", await wire.CommandAsync("NOOP"));
        Assert.Empty(await _carrier.Server.Store.Queue.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Bare_carriage_return_and_nul_in_data_are_refused()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        await wire.CommandAsync("RCPT TO:<alice@local.test>");
        await wire.CommandAsync("DATA");
        Assert.StartsWith("554 5.6.0 Message refused: bare", await wire.CommandAsync("a\rb\r\n."));
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        await wire.CommandAsync("RCPT TO:<alice@local.test>");
        await wire.CommandAsync("DATA");
        Assert.Equal("554 5.6.0 Message refused: NUL octet in message data (RFC 5322 §2.3)", await wire.CommandAsync("a\0b\r\n."));
    }

    [Fact]
    public async Task Bad_command_lines_get_500_and_the_session_goes_on()
    {
        await using var wire = await ConnectAsync();
        Assert.Equal("500 5.5.2 Error: command not recognized", await wire.CommandAsync("FOO bar"));
        await wire.SendAsync("NOOP\n");
        Assert.StartsWith("500 5.5.2 Error: bare <CR> or <LF>", await wire.ReadReplyAsync());
        Assert.Equal("500 5.5.2 Error: NUL octet in command", await wire.CommandAsync("NO\0OP"));
        Assert.Equal("500 5.5.2 Error: line too long", await wire.CommandAsync("NOOP " + new string('a', 5000)));
        Assert.Equal("250 2.0.0 Ok", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Too_many_errors_close_the_session_with_421()
    {
        await using var wire = await ConnectAsync();
        for (int i = 0; i < 7; i++)
        {
            Assert.StartsWith("500", await wire.CommandAsync("BOGUS"));
        }

        Assert.Equal("500 5.5.2 Error: command not recognized", await wire.CommandAsync("BOGUS"));
        Assert.Equal("421 4.7.0 Error: too many errors", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task A_pipelined_transaction_gets_every_reply_in_order()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.SendAsync("MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@local.test>\r\nRCPT TO:<nobody@local.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n");
        Assert.Equal("250 2.1.0 Ok", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await wire.ReadReplyAsync());
        Assert.StartsWith("550 5.1.1", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await wire.ReadReplyAsync());
        Assert.StartsWith("354", await wire.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0 Ok: queued as", await wire.CommandAsync("Subject: p\r\n\r\nx\r\n."));
        await _carrier.WaitForMessagesAsync("alice@local.test", 1);
        await _carrier.WaitForMessagesAsync("bob@local.test", 1);
    }

    [Fact]
    public async Task Bdat_chunks_make_one_message()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        await wire.CommandAsync("RCPT TO:<bob@local.test>");
        string part1 = "Subject: chunked\r\n\r\n";
        string part2 = ".not stuffed\r\nend\r\n";
        await wire.SendAsync($"BDAT {part1.Length}\r\n{part1}");
        Assert.Equal($"250 2.0.0 Ok: {part1.Length} octets received", await wire.ReadReplyAsync());
        Assert.Equal("503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction", await wire.CommandAsync("DATA"));
        await wire.SendAsync($"BDAT {part2.Length} LAST\r\n{part2}");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await wire.ReadReplyAsync());
        var messages = await _carrier.WaitForMessagesAsync("bob@local.test", 1);
        string stored = Encoding.UTF8.GetString(await _carrier.ReadMessageAsync("bob@local.test", messages[0].Uid));
        Assert.EndsWith(part1 + part2, stored);
    }

    [Fact]
    public async Task A_refused_bdat_chunk_is_still_read_so_the_session_stays_in_step()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        await wire.SendAsync("BDAT 12 LAST\r\nNOOP\r\nNOOP\r\n");
        Assert.Equal("503 5.5.1 Error: need MAIL command", await wire.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Utf8_addresses_need_the_smtputf8_parameter()
    {
        await _carrier.AddUserAsync("jürgen@local.test");
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        Assert.StartsWith("553 5.6.7", await wire.CommandAsync("MAIL FROM:<dörte@example.org>"));
        Assert.Equal("250 2.1.0 Ok", await wire.CommandAsync("MAIL FROM:<dörte@example.org> SMTPUTF8 BODY=8BITMIME"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<jürgen@local.test>"));
        await wire.CommandAsync("DATA");
        Assert.StartsWith("250", await wire.CommandAsync("Subject: Grüße\r\n\r\nÄpfel\r\n."));
        var messages = await _carrier.WaitForMessagesAsync("jürgen@local.test", 1);
        string stored = Encoding.UTF8.GetString(await _carrier.ReadMessageAsync("jürgen@local.test", messages[0].Uid));
        Assert.Contains("with UTF8SMTP id", stored);
        Assert.EndsWith("Subject: Grüße\r\n\r\nÄpfel\r\n", stored);
    }

    [Fact]
    public async Task Postmaster_is_always_accepted_and_vrfy_answers_252()
    {
        await using var wire = await ConnectAsync();
        await wire.CommandAsync("EHLO c");
        Assert.StartsWith("252 2.0.0", await wire.CommandAsync("VRFY alice"));
        await wire.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<Postmaster>"));
        Assert.Equal("250 2.1.5 Ok", await wire.CommandAsync("RCPT TO:<abuse@local.test>"));
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_data_leaves_nothing_behind()
    {
        await using (var wire = await ConnectAsync())
        {
            await wire.CommandAsync("EHLO c");
            await wire.CommandAsync("MAIL FROM:<a@example.org>");
            await wire.CommandAsync("RCPT TO:<alice@local.test>");
            await wire.CommandAsync("DATA");
            await wire.SendAsync("Subject: half\r\n\r\nhalf a messa");
        }

        await using var other = await ConnectAsync();
        Assert.Equal("250 2.0.0 Ok", await other.CommandAsync("NOOP"));
        await Task.Delay(300);
        Assert.Empty(await _carrier.Server.Store.Queue.ListAsync(CancellationToken.None));
    }
}
