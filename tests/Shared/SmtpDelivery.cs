using System.Text;

namespace Carrier.Testing;

/// <summary>Hands messages to a Carrier over SMTP, as any other MTA would, so that reading tests start from real deliveries.</summary>
public static class SmtpDelivery
{
    /// <summary>
    /// Sends <paramref name="message"/> (CRLF lines, not dot-stuffed: this method stuffs it) from
    /// <paramref name="sender"/> to <paramref name="recipient"/> and checks every reply on the way.
    /// </summary>
    public static async Task SendAsync(int smtpPort, string sender, string recipient, string message)
    {
        await using var wire = await SmtpWire.ConnectAsync(smtpPort);
        Expect("250", await wire.CommandAsync("EHLO sender.example"));
        Expect("250", await wire.CommandAsync($"MAIL FROM:<{sender}>"));
        Expect("250", await wire.CommandAsync($"RCPT TO:<{recipient}>"));
        Expect("354", await wire.CommandAsync("DATA"));
        var stuffed = new StringBuilder();
        foreach (string line in message.Split("\r\n"))
        {
            stuffed.Append(line.StartsWith('.') ? "." : string.Empty).Append(line).Append("\r\n");
        }

        if (message.EndsWith("\r\n", StringComparison.Ordinal))
        {
            stuffed.Length -= 2;
        }

        await wire.SendAsync(stuffed.ToString());
        Expect("250", await wire.CommandAsync("."));
        Expect("221", await wire.CommandAsync("QUIT"));
    }

    /// <summary>A small message with a unique subject and body, CRLF line ends.</summary>
    public static string Message(string subject, string body, string from = "bob@example.org", string to = "alice@local.test") =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}\r\n";

    private static void Expect(string code, string reply)
    {
        if (!reply.StartsWith(code, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected {code}, got: {reply}");
        }
    }
}
