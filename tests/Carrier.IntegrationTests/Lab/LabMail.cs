using Carrier.Store.Queue;
using Carrier.Testing;
using MimeKit;

namespace Carrier.IntegrationTests.Lab;

/// <summary>Hands mail to Carrier over SMTP and reads back what the queue and the sender's mailbox show.</summary>
public static class LabMail
{
    /// <summary>A small message; <paramref name="subject"/> makes it recognisable at the peers.</summary>
    public static string Message(string from, string to, string subject, string body = "Hello from the lab.") =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@local.test>\r\n\r\n{body}\r\n";

    /// <summary>Submits one message over SMTP on loopback (a trusted network); asserts it was queued.</summary>
    public static async Task SubmitAsync(TestCarrier carrier, string from, IReadOnlyList<string> recipients, string content, string mailParameters = "")
    {
        await using var wire = await SmtpWire.ConnectAsync(carrier.SmtpPort);
        Assert.StartsWith("250", await wire.CommandAsync("EHLO client.local.test"), StringComparison.Ordinal);
        string mail = await wire.CommandAsync($"MAIL FROM:<{from}>{(mailParameters.Length > 0 ? " " + mailParameters : string.Empty)}");
        Assert.StartsWith("250", mail, StringComparison.Ordinal);
        foreach (string recipient in recipients)
        {
            string reply = await wire.CommandAsync($"RCPT TO:<{recipient}>");
            Assert.True(reply.StartsWith("250", StringComparison.Ordinal), $"RCPT TO:<{recipient}>: {reply}");
        }

        Assert.StartsWith("354", await wire.CommandAsync("DATA"), StringComparison.Ordinal);
        string stuffed = content.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        string queued = await wire.CommandAsync(stuffed + (stuffed.EndsWith("\r\n", StringComparison.Ordinal) ? string.Empty : "\r\n") + ".");
        Assert.StartsWith("250", queued, StringComparison.Ordinal);
        await wire.CommandAsync("QUIT");
    }

    /// <summary>Waits until the queue holds a recipient in <paramref name="state"/> (after at least one attempt); returns it.</summary>
    public static async Task<QueuedRecipient> WaitForRecipientAsync(TestCarrier carrier, string address, RecipientState state, int minAttempts = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var entries = await carrier.Server.Store.Queue.ListAsync(CancellationToken.None);
            var recipient = entries.SelectMany(e => e.Recipients).FirstOrDefault(r => r.Address == address && r.State == state && r.Attempts >= minAttempts);
            if (recipient is not null)
            {
                return recipient;
            }

            if (DateTime.UtcNow > deadline)
            {
                string queue = string.Join("; ", entries.SelectMany(e => e.Recipients).Select(r => $"{r.Address} {r.State} attempts={r.Attempts} {r.LastReply}"));
                throw new TimeoutException($"{address} never became {state}. Queue: {queue}. Log:\n{string.Join("\n", carrier.Logs.Lines.TakeLast(30))}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The delivery status notifications in the sender's INBOX, parsed.</summary>
    public static async Task<IReadOnlyList<MimeMessage>> WaitForBouncesAsync(TestCarrier carrier, int count, TimeSpan? timeout = null)
    {
        var stored = await carrier.WaitForMessagesAsync(RoutingLab.Sender, count, timeout);
        var messages = new List<MimeMessage>();
        foreach (var message in stored)
        {
            using var stream = new MemoryStream(await carrier.ReadMessageAsync(RoutingLab.Sender, message.Uid));
            messages.Add(await MimeMessage.LoadAsync(stream));
        }

        return messages;
    }

    /// <summary>The per-recipient fields of a DSN's message/delivery-status part (RFC 3464 §2.3).</summary>
    public static IReadOnlyList<HeaderList> RecipientFields(MimeMessage dsn)
    {
        var status = dsn.BodyParts.OfType<MessageDeliveryStatus>().Single();
        return [.. status.StatusGroups.Skip(1).Where(g => g.Contains("Final-Recipient"))];
    }

    /// <summary>A field of a DSN status group; a missing field fails the test.</summary>
    public static string Field(HeaderList fields, string name) =>
        fields[name] ?? throw new Xunit.Sdk.XunitException($"the report has no {name} field");

    /// <summary>The sender's mailbox after a while: no message in it means nothing was bounced.</summary>
    public static async Task<int> MailboxCountAsync(TestCarrier carrier)
    {
        var mailbox = await carrier.MailboxAsync(RoutingLab.Sender);
        return (await carrier.Server.Store.Mailboxes.ListMessagesAsync(mailbox.Id, CancellationToken.None)).Count;
    }
}
