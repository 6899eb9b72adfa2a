using System.Text;
using Carrier.IntegrationTests.Infrastructure;
using Carrier.Testing;
using static Carrier.IntegrationTests.Infrastructure.SharedCarrierServer;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// What real clients see when the server says no, and that it goes on serving: each refusal has its
/// RFC code and enhanced status, and the administrator's log says why.
/// </summary>
[Collection(SharedCarrierServerCollection.Name)]
public sealed class SmtpRefusalTests(SharedCarrierServer shared)
{
    [Fact]
    public async Task Unknown_local_user_gets_550_5_1_1_and_a_reject_log_line()
    {
        string nobody = $"nobody-{Guid.NewGuid():N}@local.test";
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", [nobody], Message("unknown user")));

        var rcpt = results.Single().Recipients.Single();
        Assert.Equal(550, rcpt.Code);
        Assert.Contains("5.1.1", rcpt.Text, StringComparison.Ordinal);
        string log = await shared.Server.WaitForLogAsync(l => l.Contains($"to=<{nobody}>", StringComparison.Ordinal), "the reject line");
        Assert.Contains("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_domain_from_an_untrusted_client_is_refused_550_5_7_1()
    {
        string stranger = $"someone-{Guid.NewGuid():N}@elsewhere.example";
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", [stranger, Alice], Message("relay attempt")));

        var recipients = results.Single().Recipients;
        Assert.Equal(550, recipients[0].Code);
        Assert.Contains("5.7.1", recipients[0].Text, StringComparison.Ordinal);
        Assert.Equal(250, recipients[1].Code);
        string log = await shared.Server.WaitForLogAsync(l => l.Contains($"to=<{stranger}>", StringComparison.Ordinal), "the reject line");
        Assert.Contains("550 5.7.1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_over_the_size_limit_get_552_whether_declared_or_not_and_the_session_goes_on()
    {
        string subject = $"after big ones {Guid.NewGuid():N}";
        byte[] big = Message("too big", new string('x', 76) + "\r\n", (int)(MessageSizeLimit / 78) + 100);
        var (features, results) = await Smtplib.SendAsync(
            shared.SmtpPort,
            new SmtplibMessage("bob@example.org", [Alice], Message("declared"), [$"SIZE={MessageSizeLimit * 2}"]),
            new SmtplibMessage("bob@example.org", [Alice], big),
            new SmtplibMessage("bob@example.org", [Alice], Message(subject)));

        Assert.Contains("size", features);
        Assert.Equal(552, results[0].MailCode);
        Assert.Contains("5.3.4", results[0].MailReply, StringComparison.Ordinal);
        Assert.Equal(552, results[1].DataCode);
        Assert.Contains("5.3.4", results[1].DataReply, StringComparison.Ordinal);
        Assert.Equal(250, results[2].DataCode);
        await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
    }

    [Fact]
    public async Task Recipients_past_the_limit_get_452_and_the_rest_are_delivered()
    {
        string subject = $"many recipients {Guid.NewGuid():N}";
        string[] recipients = [.. Enumerable.Range(1, RecipientLimit + 1).Select(i => $"alice+{i}@local.test")];
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", recipients, Message(subject)));

        var replies = results.Single().Recipients;
        Assert.All(replies.Take(RecipientLimit), r => Assert.Equal(250, r.Code));
        Assert.Equal(452, replies[RecipientLimit].Code);
        Assert.Contains("4.5.3", replies[RecipientLimit].Text, StringComparison.Ordinal);
        Assert.Equal(250, results.Single().DataCode);
        var arrived = await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        Assert.Equal(Alice, arrived.Header("Delivered-To"));
    }

    [Fact]
    public async Task Bare_LF_in_data_is_refused_and_cannot_smuggle_a_second_message()
    {
        string tag = Guid.NewGuid().ToString("N");
        await using var smtp = await SmtpWire.ConnectAsync(shared.SmtpPort, readGreeting: false);
        Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);

        // The classic smuggling payload: a receiver that took <LF>.<CR><LF> as the end would see a second message.
        await smtp.SendAsync(
            $"Subject: carrier {tag}\r\n\r\nfirst part\n.\r\nMAIL FROM:<ceo@local.test>\r\nRCPT TO:<{Alice}>\r\nDATA\r\nSubject: smuggled {tag}\r\n\r\nforged\r\n.\r\n");
        string refusal = await smtp.ReadReplyAsync();
        Assert.StartsWith("554 5.6.0", refusal, StringComparison.Ordinal);
        Assert.Contains("bare", refusal, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("250", await smtp.CommandAsync("RSET"), StringComparison.Ordinal);

        string marker = $"after smuggling {tag}";
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync($"Subject: {marker}\r\n\r\nclean\r\n."), StringComparison.Ordinal);

        await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == marker);
        var inbox = await shared.Data.ExportAsync(Alice);
        Assert.DoesNotContain(inbox.Messages, m => m.Message.Subject is { } s && s.Contains(tag, StringComparison.Ordinal) && s != marker);
    }

    [Fact]
    public async Task Overlong_and_bare_LF_command_lines_get_500_and_the_session_goes_on()
    {
        await using var smtp = await SmtpWire.ConnectAsync(shared.SmtpPort, readGreeting: false);
        Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);

        string overlong = await smtp.CommandAsync("NOOP " + new string('x', 4000));
        Assert.StartsWith("500 5.5.2", overlong, StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("NOOP"), StringComparison.Ordinal);

        // The line ended by a bare LF is refused; the next one is read afresh.
        await smtp.SendAsync("NOOP\nNOOP\r\n");
        string bare = await smtp.ReadReplyAsync();
        Assert.StartsWith("500 5.5.2", bare, StringComparison.Ordinal);
        Assert.Contains("bare", bare, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("250", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("221", await smtp.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NUL_octet_in_data_is_refused_554()
    {
        await using var smtp = await SmtpWire.ConnectAsync(shared.SmtpPort, readGreeting: false);
        Assert.StartsWith("220 ", await smtp.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("554 5.6.0", await smtp.CommandAsync("Subject: nul\r\n\r\nbefore\0after\r\n."), StringComparison.Ordinal);
        Assert.StartsWith("250", await smtp.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_DATA_leaves_nothing_queued_and_others_are_served()
    {
        string subject = $"half sent {Guid.NewGuid():N}";
        await using (var vanishing = await SmtpWire.ConnectAsync(shared.SmtpPort, readGreeting: false))
        {
            Assert.StartsWith("220 ", await vanishing.ReadReplyAsync(), StringComparison.Ordinal);
            Assert.StartsWith("250", await vanishing.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
            Assert.StartsWith("250", await vanishing.CommandAsync("MAIL FROM:<bob@example.org>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await vanishing.CommandAsync($"RCPT TO:<{Alice}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await vanishing.CommandAsync("DATA"), StringComparison.Ordinal);
            await vanishing.SendAsync($"Subject: {subject}\r\n\r\nthe first half and then");
        }

        await shared.Server.WaitForLogAsync(l => l.Contains("lost connection after", StringComparison.Ordinal), "the lost-connection line");
        string marker = $"next client {Guid.NewGuid():N}";
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", [Alice], Message(marker)));
        Assert.Equal(250, results.Single().DataCode);
        await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == marker);
        Assert.DoesNotContain((await shared.Data.ExportAsync(Alice)).Messages, m => m.Message.Subject == subject);
    }

    private static byte[] Message(string subject, string bodyLine = "hello\r\n", int lines = 1) =>
        Encoding.ASCII.GetBytes($"From: <bob@example.org>\r\nSubject: {subject}\r\n\r\n{string.Concat(Enumerable.Repeat(bodyLine, lines))}");
}
