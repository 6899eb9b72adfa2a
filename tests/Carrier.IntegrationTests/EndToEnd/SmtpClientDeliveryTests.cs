using System.Text;
using Carrier.IntegrationTests.Infrastructure;
using Carrier.Testing;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;
using static Carrier.IntegrationTests.Infrastructure.SharedCarrierServer;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// Clients that others wrote (swaks, Python's smtplib, MailKit) hand mail to the running <c>carrier</c>;
/// each test reads what arrived with the CLI and from a Maildir export, as an administrator would.
/// </summary>
[Collection(SharedCarrierServerCollection.Name)]
public sealed class SmtpClientDeliveryTests(SharedCarrierServer shared)
{
    [Fact]
    public async Task Swaks_delivers_into_the_inbox_with_trace_headers_naming_the_server()
    {
        string subject = $"swaks {Guid.NewGuid():N}";
        var swaks = await CommandResult.RunAsync("swaks", ["--server", $"127.0.0.1:{shared.SmtpPort}", "--helo", "client.example.org", "--from", "bob@example.org", "--to", Alice, "--header", $"Subject: {subject}"]);
        swaks.ExpectSuccess();
        string queueId = CarrierServerProcess.QueueIdFrom(swaks.Output.Split('\n').Single(l => l.Contains("<-  250 2.0.0", StringComparison.Ordinal)));

        string delivered = await shared.Server.WaitForLogAsync(l => l.Contains($"{queueId}: to=<{Alice}>", StringComparison.Ordinal), "the delivery log line");
        Assert.Contains("relay=local", delivered, StringComparison.Ordinal);
        Assert.Contains("dsn=2.0.0, status=sent (delivered to INBOX)", delivered, StringComparison.Ordinal);

        var list = (await shared.Data.RunAsync("mailbox", "list", Alice)).ExpectSuccess();
        string row = list.StandardOutput.Split('\n').Single(l => l.Contains(subject, StringComparison.Ordinal));
        Assert.Contains("bob@example.org", row, StringComparison.Ordinal);
        string uid = row.Trim().Split(' ')[0];
        var show = (await shared.Data.RunAsync("mailbox", "show", Alice, uid)).ExpectSuccess();
        Assert.StartsWith("Return-Path: <bob@example.org>\nDelivered-To: alice@local.test\nReceived: from client.example.org", show.StandardOutput, StringComparison.Ordinal);

        var message = (await shared.Data.ExportAsync(Alice)).WithSubject(subject).Single();
        Assert.Equal("<bob@example.org>", message.Header("Return-Path"));
        Assert.Equal(Alice, message.Header("Delivered-To"));
        string received = message.Header("Received")!;
        Assert.Contains("from client.example.org (unknown [127.0.0.1])", received, StringComparison.Ordinal);
        Assert.Contains($"by {CarrierDataDirectory.Hostname} (Carrier) with ESMTP id {queueId}", received, StringComparison.Ordinal);
        Assert.Contains($"for <{Alice}>", received, StringComparison.Ordinal);
        Assert.Equal("This is a test mailing", message.Text.Trim());
    }

    [Fact]
    public async Task Smtplib_messages_arrive_byte_for_byte_including_8bit_utf8_dots_and_several_recipients()
    {
        string tag = Guid.NewGuid().ToString("N");
        byte[] dotted = Crlf($"From: <bob@example.org>\nTo: <{Alice}>\nSubject: dots {tag}\nMessage-ID: <dots-{tag}@example.org>\n\n.leading dot\n.\n..two dots\nlast line\n");
        byte[] eightBit = Crlf($"From: <bob@example.org>\nTo: <{Alice}>\nSubject: 8bit {tag}\nMessage-ID: <8bit-{tag}@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln, ½ € for ☃\n");
        byte[] international = Crlf($"From: Jörg <jörg@exämple.org>\nTo: <{Alice}>\nSubject: Ünïcödé {tag}\nMessage-ID: <utf8-{tag}@exämple.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n日本語のメール\n");
        byte[] team = Crlf($"From: <bob@example.org>\nTo: <{Alice}>, <{Bob}>, <{Carol}>\nSubject: team {tag}\nMessage-ID: <team-{tag}@example.org>\n\nfor all three of you\n");

        var (features, results) = await Smtplib.SendAsync(
            shared.SmtpPort,
            new SmtplibMessage("bob@example.org", [Alice], dotted),
            new SmtplibMessage("bob@example.org", [Alice], eightBit, ["BODY=8BITMIME"]),
            new SmtplibMessage("jörg@exämple.org", [Alice], international, ["SMTPUTF8", "BODY=8BITMIME"]),
            new SmtplibMessage("bob@example.org", [Alice, Bob, Carol], team));

        Assert.Contains("8bitmime", features);
        Assert.Contains("smtputf8", features);
        Assert.Contains("pipelining", features);
        Assert.Contains("chunking", features);
        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.True(r.DataCode == 250, r.DataReply));

        var alice = await WaitForSubjectsAsync(Alice, $"dots {tag}", $"8bit {tag}", $"Ünïcödé {tag}", $"team {tag}");
        await AssertArrivedExactlyAsync(dotted, Alice, alice[$"dots {tag}"], "<bob@example.org>");
        await AssertArrivedExactlyAsync(eightBit, Alice, alice[$"8bit {tag}"], "<bob@example.org>");
        await AssertArrivedExactlyAsync(international, Alice, alice[$"Ünïcödé {tag}"], "<jörg@exämple.org>");
        Assert.Contains("with UTF8SMTP", alice[$"Ünïcödé {tag}"].Header("Received"), StringComparison.Ordinal);
        Assert.Equal("日本語のメール", alice[$"Ünïcödé {tag}"].Text.Trim());

        foreach (string user in new[] { Alice, Bob, Carol })
        {
            var copy = user == Alice ? alice[$"team {tag}"] : (await WaitForSubjectsAsync(user, $"team {tag}"))[$"team {tag}"];
            await AssertArrivedExactlyAsync(team, user, copy, "<bob@example.org>");
            Assert.Equal(user, copy.Header("Delivered-To"));
        }
    }

    [Fact]
    public async Task Smtplib_send_message_chooses_smtputf8_for_an_international_sender_and_it_is_delivered()
    {
        string subject = $"composed {Guid.NewGuid():N}";
        var result = await Smtplib.ComposeAndSendAsync(shared.SmtpPort, "Zoë <zoë@exämple.org>", [Bob], subject, "Ça marche très bien.\n");
        Assert.Equal(250, result.DataCode);

        var message = (await WaitForSubjectsAsync(Bob, subject))[subject];
        Assert.Equal("<zoë@exämple.org>", message.Header("Return-Path"));
        Assert.Equal("Ça marche très bien.", message.Text.Trim());
    }

    [Fact]
    public async Task MailKit_pipelines_the_envelope_and_its_messages_arrive_intact()
    {
        string tag = Guid.NewGuid().ToString("N");
        var transcript = new ClientWrites();
        using var client = new SmtpClient(transcript);
        await client.ConnectAsync("127.0.0.1", shared.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.Equal(MessageSizeLimit, (long)client.MaxSize);

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Bob", "bob@example.org"));
        message.To.Add(MailboxAddress.Parse(Alice));
        message.Cc.Add(MailboxAddress.Parse(Carol));
        message.Subject = $"mailkit {tag}";
        message.Body = new TextPart("plain") { Text = "Sent by MailKit.\r\n.\r\nA line with a single dot above.\r\n" };
        string reply = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        string queueId = CarrierServerProcess.QueueIdFrom(reply);
        await shared.Server.WaitForRemovedAsync(queueId);

        // RFC 2920: with PIPELINING, MailKit writes MAIL and every RCPT in one go, before any reply.
        Assert.Contains(transcript.Writes, w => w.Contains("MAIL FROM:<bob@example.org>", StringComparison.Ordinal) && w.Contains($"RCPT TO:<{Alice}>", StringComparison.Ordinal) && w.Contains($"RCPT TO:<{Carol}>", StringComparison.Ordinal));

        foreach (string user in new[] { Alice, Carol })
        {
            var arrived = (await WaitForSubjectsAsync(user, message.Subject))[message.Subject];
            Assert.Equal(message.MessageId, arrived.Message.MessageId);
            Assert.Equal("Sent by MailKit.\n.\nA line with a single dot above.\n", arrived.Text);
        }
    }

    [Fact]
    public async Task Bdat_chunks_pipelined_in_one_write_arrive_as_one_message_without_dot_unstuffing()
    {
        // MailKit offers CHUNKING only for BINARYMIME content, so this client is written by hand.
        string subject = $"chunked {Guid.NewGuid():N}";
        byte[] first = Encoding.ASCII.GetBytes($"From: <bob@example.org>\r\nSubject: {subject}\r\n\r\nfirst chunk\r\n.\r\n");
        byte[] last = Encoding.ASCII.GetBytes("..second chunk, dots kept as sent\r\n");
        await using var smtp = await SmtpWire.ConnectAsync(shared.SmtpPort, readGreeting: false);
        Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Contains("CHUNKING", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        await smtp.SendAsync([
            .. Encoding.ASCII.GetBytes($"MAIL FROM:<bob@example.org>\r\nRCPT TO:<{Bob}>\r\nBDAT {first.Length}\r\n"),
            .. first,
            .. Encoding.ASCII.GetBytes($"BDAT {last.Length} LAST\r\n"),
            .. last,
        ]);
        Assert.StartsWith("250", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith($"250 2.0.0 Ok: {first.Length} octets", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        string queued = await smtp.ReadReplyAsync();
        Assert.StartsWith("250 2.0.0 Ok: queued as", queued, StringComparison.Ordinal);
        Assert.StartsWith("221", await smtp.CommandAsync("QUIT"), StringComparison.Ordinal);

        await shared.Server.WaitForRemovedAsync(CarrierServerProcess.QueueIdFrom(queued));
        byte[] stored = await shared.Data.ShowStoredAsync(Bob, subject);
        Assert.True(stored.AsSpan().EndsWith([.. first, .. last]), Encoding.UTF8.GetString(stored));
        Assert.Contains("with ESMTP", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, ExportedMessage>> WaitForSubjectsAsync(string user, params string[] subjects)
    {
        var found = new Dictionary<string, ExportedMessage>();
        foreach (string subject in subjects)
        {
            found[subject] = await shared.Data.WaitForMessageAsync(user, m => m.Message.Subject == subject);
        }

        return found;
    }

    /// <summary>
    /// The stored message (as <c>mailbox show</c> prints it) is the sent one with only trace headers in
    /// front (RFC 5321 §4.4); the Maildir export holds the same with LF line ends, as Maildir readers expect.
    /// </summary>
    private async Task AssertArrivedExactlyAsync(byte[] sent, string user, ExportedMessage exported, string returnPath)
    {
        string subject = exported.Message.Subject ?? throw new InvalidOperationException("no subject");
        byte[] stored = await shared.Data.ShowStoredAsync(user, subject);
        Assert.True(stored.AsSpan().EndsWith(sent), $"stored message does not end with the bytes sent:\n{Encoding.UTF8.GetString(stored)}");
        string added = Encoding.UTF8.GetString(stored, 0, stored.Length - sent.Length);
        Assert.StartsWith($"Return-Path: {returnPath}\r\nDelivered-To: {user}\r\nReceived: from client.example.org", added, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(stored).Replace("\r\n", "\n", StringComparison.Ordinal), Encoding.UTF8.GetString(exported.Bytes));
    }

    private static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal));

    /// <summary>Records each write MailKit makes to the socket, to see which commands went out together.</summary>
    private sealed class ClientWrites : IProtocolLogger
    {
        public List<string> Writes { get; } = [];

        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        public void LogConnect(Uri uri)
        {
        }

        public void LogClient(byte[] buffer, int offset, int count) => Writes.Add(Encoding.UTF8.GetString(buffer, offset, count));

        public void LogServer(byte[] buffer, int offset, int count)
        {
        }

        public void Dispose()
        {
        }
    }
}
