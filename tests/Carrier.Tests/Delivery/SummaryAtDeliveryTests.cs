using Carrier.Imap.Messages;
using Carrier.Testing;

namespace Carrier.Tests.Delivery;

public sealed class SummaryAtDeliveryTests
{
    [Fact]
    public async Task A_delivered_message_has_its_imap_summary_stored_with_its_content()
    {
        await using var carrier = await TestCarrier.StartAsync();
        await carrier.AddUserAsync("alice@local.test");
        await using (var smtp = await SmtpWire.ConnectAsync(carrier.SmtpPort))
        {
            await smtp.CommandAsync("EHLO client.example.org");
            await smtp.CommandAsync("MAIL FROM:<bob@example.org>");
            await smtp.CommandAsync("RCPT TO:<alice@local.test>");
            await smtp.CommandAsync("DATA");
            string reply = await smtp.CommandAsync("From: Bob <bob@example.org>\r\nSubject: summary please\r\n\r\nhello\r\n.");
            Assert.StartsWith("250", reply, StringComparison.Ordinal);
        }

        var messages = await carrier.WaitForMessagesAsync("alice@local.test", 1);

        // The summary is computed just after delivery, off the delivery's path.
        IReadOnlyDictionary<string, string> summaries = new Dictionary<string, string>();
        for (int i = 0; i < 100 && summaries.Count == 0; i++)
        {
            await Task.Delay(50);
            summaries = await carrier.Server.Store.Blobs.GetSummariesAsync([messages[0].BlobId], CancellationToken.None);
        }

        var summary = MessageSummary.FromStoredForm(summaries[messages[0].BlobId]);
        Assert.NotNull(summary);
        Assert.Contains("\"summary please\"", summary.Envelope, StringComparison.Ordinal);
        Assert.Contains("((\"Bob\" NIL \"bob\" \"example.org\"))", summary.Envelope, StringComparison.Ordinal);
        Assert.StartsWith("(\"text\" \"plain\"", summary.BodyStructure, StringComparison.Ordinal);
    }
}
